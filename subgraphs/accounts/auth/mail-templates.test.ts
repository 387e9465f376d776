import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { fillPlaceholders } from './mail-render.ts';
import { createMailTemplates, notices, passwordResetLink } from './mail-templates.ts';

const publicUrl = 'https://chat.example.com/some/path';
const ann = { email: 'ann@example.test', name: 'Ann' };
const folders: string[] = [];

/** A fresh overrides folder holding the given files. */
function overrides(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-mail-'));
  folders.push(dir);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

afterEach(() => {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('built-in mail templates', () => {
  const templates = createMailTemplates({ productName: 'Parley', publicUrl });

  it('verification: the product name, the link and its lifetime in both parts, the site at the foot', () => {
    const link = 'https://chat.example.com/api/auth/verify-email?token=abc&callbackURL=x';
    const mail = templates.verification(ann, link, 3_600);
    expect(mail).toMatchObject({ to: ann.email, subject: 'Verify your Parley e-mail' });
    expect(mail.text).toContain(`Hi Ann,\n\nOpen this link to activate your Parley account:\n${link}\n`);
    expect(mail.text).toContain('expires in 60 minutes');
    expect(mail.text).toContain('Parley · https://chat.example.com');
    expect(mail.html).toContain('<title>Verify your Parley e-mail</title>');
    // The link's & is escaped inside the attribute, as HTML requires; the browser reads it back as &.
    expect(mail.html).toContain(`href="${link.replace('&', '&amp;')}"`);
    expect(mail.html).toContain('expires in 60 minutes');
  });

  it('password reset: the page link when there is a page, else the token for the mutation', () => {
    const withPage = templates.passwordReset(ann, 'tok123', 'https://app.example.com/reset', 1_800);
    expect(withPage.subject).toBe('Reset your Parley password');
    expect(withPage.text).toContain(
      `Open this link to choose a new password:\n${passwordResetLink('https://app.example.com/reset', 'tok123')}\n`,
    );
    expect(withPage.text).toContain('expires in 30 minutes');

    const withoutPage = templates.passwordReset(ann, 'tok123', undefined, 3_600);
    expect(withoutPage.text).toContain(
      'Use this token with the resetPassword mutation to choose a new password:\ntok123\n',
    );
    expect(withoutPage.html).toContain('tok123');
  });

  it('a notice: the subject as given, the message as paragraphs in HTML', () => {
    const mail = templates.notice(ann, notices.twoFactorEnabled('Parley'));
    expect(mail.subject).toBe('Two-factor sign-in is on for your Parley account');
    expect(mail.text).toContain('If this was not you, reset your password at once.');
    expect(mail.html).toContain('backup codes.<br>\n<br>\nIf this was not you');
  });

  it('escapes every value in the HTML part and keeps it as typed in the text part', () => {
    const evil = { email: 'eve@example.test', name: '<script>alert("x")</script> & Co' };
    const mail = templates.notice(evil, { subject: 'Hi <b>there</b>', message: `<img src=x onerror='1'>` });
    expect(mail.html).not.toMatch(/<script|<img|<b>/);
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(mail.html).toContain('&lt;img src=x onerror=&#39;1&#39;&gt;');
    expect(mail.html).toContain('<title>Hi &lt;b&gt;there&lt;/b&gt;</title>');
    expect(mail.text).toContain('Hi <script>alert("x")</script> & Co,');
    expect(mail.subject).toBe('Hi <b>there</b>');
  });

  it('never substitutes twice: a value that looks like a placeholder stays as typed', () => {
    const mail = templates.notice(
      { email: 'a@example.test', name: '{{productName}}' },
      {
        subject: '{{email}}',
        message: '{{link}}',
      },
    );
    expect(mail.subject).toBe('{{email}}');
    expect(mail.text).toContain('Hi {{productName}},\n\n{{link}}');
  });

  it('keeps a subject on one line, whatever a value holds', () => {
    const mail = templates.notice(ann, { subject: 'one\r\nBcc: eve@example.test', message: 'x' });
    expect(mail.subject).toBe('one Bcc: eve@example.test');
  });
});

describe('fillPlaceholders', () => {
  it('fills known names, allows spaces inside the braces, and leaves unknown ones as written', () => {
    expect(fillPlaceholders('{{a}} {{ b }} {{c}} {{toString}}', { a: '1', b: '<2>' }, true)).toBe(
      '1 &lt;2&gt; {{c}} {{toString}}',
    );
  });
});

describe('template files', () => {
  it('replace the built-in parts they name; the others stay built in', () => {
    const dir = overrides({
      'verification.html': '<p>Bonjour {{name}} — <a href="{{link}}">{{productName}}</a></p>',
      'verification.subject.txt': 'Bienvenue sur {{productName}}\n',
      'notice.txt': 'Note for {{name}}: {{message}} ({{publicUrl}})',
      'unrelated.txt': 'ignored',
    });
    const templates = createMailTemplates({ productName: 'Parley & Co', publicUrl, dir });
    const mail = templates.verification(
      { email: 'b@example.test', name: 'Bé<b>' },
      'https://x.test/?a=1&b=2',
      60,
    );
    expect(mail.subject).toBe('Bienvenue sur Parley & Co');
    expect(mail.html).toBe(
      '<p>Bonjour Bé&lt;b&gt; — <a href="https://x.test/?a=1&amp;b=2">Parley &amp; Co</a></p>',
    );
    // No .txt override for verification: the built-in text part, with the configured name.
    expect(mail.text).toContain('activate your Parley & Co account:\nhttps://x.test/?a=1&b=2');

    const notice = templates.notice(ann, { subject: 'S', message: 'M <i>' });
    expect(notice.text).toBe('Note for Ann: M <i> (https://chat.example.com)');
    expect(notice.html).toContain('M &lt;i&gt;'); // the built-in HTML part
  });

  it('a folder that does not exist is refused at start', () => {
    expect(() =>
      createMailTemplates({ productName: 'P', publicUrl, dir: path.join(os.tmpdir(), 'no-such-gochat-dir') }),
    ).toThrow(/mailTemplatesDir/);
  });
});
