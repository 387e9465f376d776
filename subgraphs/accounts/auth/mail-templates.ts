import type { MailMessage } from '@gochat/mail';

import { loadTemplates, renderParts, type TemplateName, type TemplateParts } from './mail-render.ts';

export interface Recipient {
  email: string;
  name: string;
}

/** A notice about the account (2FA turned on, the account deleted...): a subject and plain-text body. */
export interface Notice {
  subject: string;
  /** Plain text; blank lines separate paragraphs (line breaks become <br> in the HTML part). */
  message: string;
}

/** The reset page's link carrying the token, as the reset e-mail and `gochat admin reset-password-link` give it. */
export const passwordResetLink = (pageUrl: string, token: string) =>
  `${pageUrl}${pageUrl.includes('?') ? '&' : '?'}token=${token}`;

const minutes = (seconds: number) => String(Math.round(seconds / 60));

const footerText = '\n--\n{{productName}} · {{publicUrl}}\n';

/** A plain HTML frame every client renders: one column, inline styles, no images or scripts. */
const htmlFrame = (body: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{subject}}</title></head>
<body style="margin:0;padding:24px;background:#f2f3f5;font-family:Helvetica,Arial,sans-serif;color:#2e3338">
<div style="max-width:520px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">
<h1 style="margin:0 0 24px;font-size:20px">{{productName}}</h1>
${body}
<p style="margin:32px 0 0;font-size:12px;color:#747f8d"><a href="{{publicUrl}}" style="color:#747f8d">{{publicUrl}}</a></p>
</div>
</body>
</html>
`;

const button = (href: string, label: string) =>
  `<p style="margin:24px 0"><a href="${href}" style="display:inline-block;background:#5865f2;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:4px">${label}</a></p>`;

/**
 * Built-in templates. Placeholders every template gets: productName, publicUrl, name, email, subject.
 * verification: link, minutes. password-reset: instructions, action (the link, or the token when no
 * reset page is configured), link (empty without a page), token, minutes. notice: message.
 */
export const BUILT_IN_TEMPLATES: Record<TemplateName, TemplateParts> = {
  verification: {
    subject: 'Verify your {{productName}} e-mail',
    text: `Hi {{name}},

Open this link to activate your {{productName}} account:
{{link}}

The link works once and expires in {{minutes}} minutes.
If you did not sign up, ignore this e-mail: no account is activated without it.
${footerText}`,
    html: htmlFrame(`<p>Hi {{name}},</p>
<p>Open this link to activate your {{productName}} account:</p>
${button('{{link}}', 'Verify my e-mail')}
<p style="word-break:break-all;font-size:13px"><a href="{{link}}">{{link}}</a></p>
<p>The link works once and expires in {{minutes}} minutes.<br>
If you did not sign up, ignore this e-mail: no account is activated without it.</p>`),
  },
  'password-reset': {
    subject: 'Reset your {{productName}} password',
    text: `Hi {{name}},

{{instructions}}
{{action}}

It expires in {{minutes}} minutes. Resetting signs you out everywhere.
If you did not ask for this, ignore this e-mail: your password stays as it is.
${footerText}`,
    html: htmlFrame(`<p>Hi {{name}},</p>
<p>{{instructions}}</p>
<p style="word-break:break-all;font-family:monospace;font-size:14px">{{action}}</p>
<p>It expires in {{minutes}} minutes. Resetting signs you out everywhere.<br>
If you did not ask for this, ignore this e-mail: your password stays as it is.</p>`),
  },
  notice: {
    subject: '{{subject}}',
    text: `Hi {{name}},

{{message}}
${footerText}`,
    html: htmlFrame(`<p>Hi {{name}},</p>
<p>{{message}}</p>`),
  },
};

export interface MailTemplates {
  verification(user: Recipient, link: string, ttlSeconds: number): MailMessage;
  passwordReset(user: Recipient, token: string, pageUrl: string | undefined, ttlSeconds: number): MailMessage;
  notice(user: Recipient, notice: Notice): MailMessage;
}

/**
 * The account e-mails with the product's name and address, from the built-in templates or the
 * operator's files in `dir` (accounts.mailTemplatesDir). Throws at start when `dir` is not a folder.
 */
export function createMailTemplates(options: {
  productName: string;
  publicUrl: string;
  dir?: string | undefined;
}): MailTemplates {
  const templates = loadTemplates(BUILT_IN_TEMPLATES, options.dir);
  const publicUrl = new URL(options.publicUrl).origin;

  const render = (name: TemplateName, user: Recipient, values: Record<string, string>): MailMessage => {
    const common = { productName: options.productName, publicUrl, name: user.name, email: user.email };
    const parts = templates[name];
    // The subject is filled first, so bodies can show it ({{subject}} in the HTML title).
    const subject = renderParts({ ...parts, text: '', html: '' }, { ...common, ...values }).subject;
    const rendered = renderParts(parts, { ...common, ...values, subject });
    return { to: user.email, subject, text: rendered.text, html: rendered.html };
  };

  return {
    verification: (user, link, ttlSeconds) =>
      render('verification', user, { link, minutes: minutes(ttlSeconds) }),
    passwordReset: (user, token, pageUrl, ttlSeconds) => {
      const link = pageUrl ? passwordResetLink(pageUrl, token) : '';
      const instructions = pageUrl
        ? 'Open this link to choose a new password:'
        : 'Use this token with the resetPassword mutation to choose a new password:';
      return render('password-reset', user, {
        instructions,
        action: link || token,
        link,
        token,
        minutes: minutes(ttlSeconds),
      });
    },
    notice: (user, notice) => render('notice', user, { subject: notice.subject, message: notice.message }),
  };
}

/** Notices the accounts subgraph sends; `productName` names the product in their text. */
export const notices = {
  twoFactorEnabled: (productName: string): Notice => ({
    subject: `Two-factor sign-in is on for your ${productName} account`,
    message: `Two-factor sign-in was turned on for your account: signing in now asks for a code from your authenticator app, or one of your backup codes.\n\nIf this was not you, reset your password at once.`,
  }),
  twoFactorDisabled: (productName: string): Notice => ({
    subject: `Two-factor sign-in is off for your ${productName} account`,
    message: `Two-factor sign-in was turned off for your account: signing in asks for your password only.\n\nIf this was not you, reset your password at once and turn two-factor sign-in on again.`,
  }),
  backupCodesRegenerated: (productName: string): Notice => ({
    subject: `New backup codes for your ${productName} account`,
    message: `New backup codes were made for your account's two-factor sign-in; the old ones no longer work.\n\nIf this was not you, reset your password at once.`,
  }),
  accountDeleted: (productName: string): Notice => ({
    subject: `Your ${productName} account was deleted`,
    message: `Your ${productName} account was deleted, as you asked. Your personal data is erased; your messages stay, shown as written by a deleted user.\n\nThis is the last e-mail we send to this address.`,
  }),
};
