import type { ReceivedMail } from '@gochat/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Mailer, MailMessage } from './port.ts';

/** What a provider's sink saw, reduced to the fields every provider must carry through unchanged. */
export type { ReceivedMail };

export interface MailerFixture {
  mailer: Mailer;
  /** Messages the sink has seen so far, oldest first. */
  received(): Promise<ReceivedMail[]>;
  /** Stops the sink. The contract closes the mailer itself, because close() is part of the port. */
  teardown(): Promise<void>;
}

export const VERIFY_LINK = 'https://example.test/api/auth/verify-email?token=abc.def-ghi&callbackURL=%2F';

/**
 * Behaviour every Mailer must share. Each provider's test file calls this with a setup that starts a fresh
 * sink per test (log stream, SMTP server, fake SendPulse API), so counts and order are exact.
 */
export function describeMailerContract(name: string, setup: () => Promise<MailerFixture>): void {
  describe(`Mailer contract: ${name}`, () => {
    let fixture: MailerFixture;

    beforeEach(async () => {
      fixture = await setup();
    });

    afterEach(async () => {
      await fixture.mailer.close();
      await fixture.teardown();
    });

    it('delivers to the recipient with the subject and a text body holding the link verbatim', async () => {
      const message: MailMessage = {
        to: 'alice@example.test',
        subject: 'Verify your email',
        text: `Hello Alice,\n\nconfirm your address by opening this link:\n${VERIFY_LINK}\n\nThanks`,
      };
      await fixture.mailer.send(message);

      const [mail, ...rest] = await fixture.received();
      expect(rest).toEqual([]);
      expect(mail?.to).toBe('alice@example.test');
      expect(mail?.subject).toBe('Verify your email');
      expect(mail?.text).toContain(VERIFY_LINK);
      expect(mail?.text.trimEnd()).toBe(message.text);
    });

    it('delivers two messages sent in sequence, in order', async () => {
      await fixture.mailer.send({ to: 'first@example.test', subject: 'One', text: 'first body' });
      await fixture.mailer.send({ to: 'second@example.test', subject: 'Two', text: 'second body' });

      const mails = await fixture.received();
      expect(mails.map((m) => [m.to, m.subject, m.text.trimEnd()])).toEqual([
        ['first@example.test', 'One', 'first body'],
        ['second@example.test', 'Two', 'second body'],
      ]);
    });

    it('keeps a non-ASCII subject and body intact', async () => {
      const subject = 'Привет — ✓';
      const text = `Привет — ✓\nСсылка: ${VERIFY_LINK}\n日本語 🙂`;
      await fixture.mailer.send({ to: 'boris@example.test', subject, text });

      const [mail] = await fixture.received();
      expect(mail?.subject).toBe(subject);
      expect(mail?.text.trimEnd()).toBe(text);
    });

    it('keeps the text body when an html alternative is given', async () => {
      const html = `<p>Open <a href="${VERIFY_LINK.replace(/&/g, '&amp;')}">this link</a></p>`;
      await fixture.mailer.send({
        to: 'carol@example.test',
        subject: 'Both',
        text: `Open ${VERIFY_LINK}`,
        html,
      });

      const [mail] = await fixture.received();
      expect(mail?.text.trimEnd()).toBe(`Open ${VERIFY_LINK}`);
      // Sinks that can see the html part (not the log) must see it unchanged.
      if (mail?.html !== undefined) expect(mail.html.trimEnd()).toBe(html);
    });
  });
}
