import { user } from '@gochat/drizzle';
import type { Identity } from '@gochat/identity';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { openAccountsHarness } from '../test-harness.ts';

const SIGN_UP =
  'mutation($email: String!) { signUp(input: { email: $email, password: "correct horse battery", displayName: "Inbox" }) { user { id } } }';
const RESET = 'mutation($email: String!) { requestPasswordReset(email: $email) }';
const RESEND = 'mutation($email: String!) { resendVerificationEmail(email: $email) }';

/** accounts.rateLimit.mailPerAddress by default: 5 mails an hour to one inbox. */
const BUDGET = 5;

/*
 * Mails are limited per inbox as well as per client IP: an attacker who rotates addresses (and so IPs)
 * and spellings of one address cannot mail that inbox more than the budget.
 */
await describeOnBothDatabases('mail budget per inbox', openAccountsHarness, (h) => {
  let addresses = 0;
  /** Every request from a new address, as a rotating attacker sends them: only the inbox limit holds. */
  const fresh = (): Identity => ({ kind: 'anonymous', ip: `10.6.${addresses >> 8}.${addresses++ & 255}` });
  const inbox = () => `inbox-${crypto.randomUUID()}@harness.test`;
  const mailsTo = (email: string) => h.mailbox.messagesTo(email).length;
  const userByEmail = async (email: string) =>
    (await h.db.select({ id: user.id }).from(user).where(eq(user.email, email)))[0];

  it('sign-ups with spellings of one inbox: mails up to the budget, then RATE_LIMITED and no account', async () => {
    const base = inbox();
    const [local, domain] = base.split('@') as [string, string];
    const spellings = Array.from({ length: BUDGET + 1 }, (_, i) => `${local}+${i}@${domain}`);
    for (const email of spellings.slice(0, BUDGET)) {
      await h.ok(fresh(), SIGN_UP, { email });
      expect(mailsTo(email)).toBe(1);
    }
    const refused = await h.as(fresh(), SIGN_UP, { email: spellings[BUDGET] });
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect((refused.errors?.[0]?.extensions as { retryAfter?: number }).retryAfter).toBeGreaterThan(0);
    expect(await userByEmail(spellings[BUDGET]!)).toBeUndefined();
    expect(mailsTo(spellings[BUDGET]!)).toBe(0);
  });

  it('password resets and verification mails over the budget answer as usual and send nothing', async () => {
    const email = inbox();
    const plus = email.replace('@', '+x@');
    // Each spelling reaches the one inbox and spends its budget, whether or not it has an account.
    const steps: Array<[string, string, number]> = [
      [SIGN_UP, email, 1],
      [RESET, email.toUpperCase(), 2],
      [RESEND, email, 3],
      [RESET, plus, 3], // no account has this address: no mail, but the budget is spent all the same
      [RESET, email, 4],
    ];
    for (const [operation, address, mails] of steps) {
      await h.ok(fresh(), operation, { email: address });
      expect(mailsTo(email)).toBe(mails);
    }
    // Spent: nothing more goes to the inbox, and the answers do not tell.
    expect(await h.ok(fresh(), RESET, { email })).toEqual({ requestPasswordReset: true });
    expect(await h.ok(fresh(), RESEND, { email })).toEqual({ resendVerificationEmail: true });
    expect(mailsTo(email)).toBe(4);
  });

  it('over REST a throttled reset request gets the very answer of an accepted one', async () => {
    const post = (path: string, body: unknown) =>
      h.fetch(fresh(), `/api/auth${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const email = inbox();
    const answers: Array<{ status: number; body: unknown }> = [];
    for (let i = 0; i < BUDGET + 2; i++) {
      const response = await post('/request-password-reset', { email });
      answers.push({ status: response.status, body: await response.json() });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: 200, body: { status: true } });
  });

  it('a budget spent on one inbox leaves the others alone', async () => {
    const [spent, other] = [inbox(), inbox()];
    for (let i = 0; i < BUDGET; i++) await h.ok(fresh(), RESET, { email: spent });
    await h.ok(fresh(), SIGN_UP, { email: other });
    expect(mailsTo(other)).toBe(1);
  });
});
