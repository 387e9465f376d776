import { session, user } from '@gochat/drizzle';
import { subjects } from '@gochat/events';
import type { Identity } from '@gochat/identity';
import { codeOf, describeOnBothDatabases, resetToken } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { openAccountsHarness } from './test-harness.ts';

const SIGN_OUT = 'mutation { signOut }';
const SESSION_ACTIVE = 'query { sessionActive }';
const RESET =
  'mutation($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }';

await describeOnBothDatabases('sessions end with SessionRevoked', openAccountsHarness, (h) => {
  /** A session row of the user, as better-auth writes it at sign-in. */
  async function newSession(userId: string, expiresInMs = 3_600_000): Promise<string> {
    const id = `s-${crypto.randomUUID()}`;
    await h.db.insert(session).values({
      id,
      userId,
      token: `t-${crypto.randomUUID()}`,
      expiresAt: new Date(Date.now() + expiresInMs),
    });
    return id;
  }
  const sessionsOf = async (userId: string) =>
    (await h.db.select({ id: session.id }).from(session).where(eq(session.userId, userId))).map((s) => s.id);
  /** SessionRevoked events of the user, once everything committed so far was published. */
  const revocations = async (userId: string) => {
    await h.flush();
    return h.events.events.filter((e) => e.type === 'SessionRevoked' && e.data.userId === userId);
  };
  const revoked = async (userId: string) =>
    (await revocations(userId)).map((e) => [e.subject, e.data.sessionId]).sort();
  const as = (userId: string, sessionId?: string) => ({
    kind: 'user' as const,
    userId,
    ...(sessionId ? { sessionId } : {}),
  });
  const active = async (userId: string, sessionId: string) =>
    (await h.ok<{ sessionActive: boolean }>(as(userId, sessionId), SESSION_ACTIVE)).sessionActive;

  let clients = 0;
  /** A distinct client address per account, so the per-address auth limits never interfere. */
  const client = (): Identity => ({ kind: 'anonymous', ip: `10.9.${clients >> 8}.${clients++ & 255}` });
  const post = (who: Identity, path: string, body: unknown, headers: Record<string, string> = {}) =>
    h.fetch(who, `/api/auth${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  /** An account made over REST (sign-up, then verified), as a client would; its address and password. */
  async function restAccount() {
    const who = client();
    const email = `rest-${crypto.randomUUID()}@harness.test`;
    const password = 'correct horse battery';
    const signUp = await post(who, '/sign-up/email', { email, password, name: 'Rest' });
    expect(signUp.status).toBe(200);
    const { user: created } = (await signUp.json()) as { user: { id: string } };
    await h.db.update(user).set({ emailVerified: true }).where(eq(user.id, created.id));
    return { who, email, password, userId: created.id };
  }
  /** Signs in over REST: the bearer token (set-auth-token) and the session's id. */
  async function restSignIn(account: { who: Identity; email: string; password: string }) {
    const response = await post(account.who, '/sign-in/email', {
      email: account.email,
      password: account.password,
    });
    expect(response.status).toBe(200);
    // The body names the session's own token; set-auth-token is what clients send back (signed).
    const { token: raw } = (await response.json()) as { token: string };
    const [row] = await h.db.select({ id: session.id }).from(session).where(eq(session.token, raw));
    return { token: response.headers.get('set-auth-token')!, sessionId: row!.id };
  }

  it('signOut ends only the signed-in session and publishes SessionRevoked on the user subject, once', async () => {
    const user = await h.createUser();
    const [current, other] = [await newSession(user), await newSession(user)];
    expect(await h.ok(as(user, current), SIGN_OUT)).toEqual({ signOut: true });
    expect(await sessionsOf(user)).toEqual([other]);
    const events = await revocations(user);
    // The trigger spells the subject in SQL (migration 0003): it must be the one the builder makes.
    expect(events.map((e) => [e.subject, e.data])).toEqual([
      [subjects.user(user), { userId: user, sessionId: current }],
    ]);
    expect(await active(user, current)).toBe(false);
    expect(await active(user, other)).toBe(true);

    // Already gone: false, and nothing more to announce.
    expect(await h.ok(as(user, current), SIGN_OUT)).toEqual({ signOut: false });
    expect(await revocations(user)).toHaveLength(1);
  });

  it("never ends another user's session, and without a session there is nothing to end", async () => {
    const [owner, intruder] = [await h.createUser(), await h.createUser()];
    const victim = await newSession(owner);
    expect(await h.ok(as(intruder, victim), SIGN_OUT)).toEqual({ signOut: false });
    expect(await h.ok(as(owner), SIGN_OUT)).toEqual({ signOut: false });
    expect(await sessionsOf(owner)).toEqual([victim]);
    expect(await revocations(owner)).toEqual([]);
    expect(await revocations(intruder)).toEqual([]);
    expect(codeOf(await h.as(undefined, SIGN_OUT))).toBe('UNAUTHENTICATED');
  });

  it('REST sign-out ends its session with one SessionRevoked, and sessionActive answers false', async () => {
    const account = await restAccount();
    const [signedOut, kept] = [await restSignIn(account), await restSignIn(account)];
    expect(await active(account.userId, signedOut.sessionId)).toBe(true);

    const response = await post(account.who, '/sign-out', {}, { authorization: `Bearer ${signedOut.token}` });
    expect(response.status).toBe(200);
    expect(await revoked(account.userId)).toEqual([[`user.${account.userId}`, signedOut.sessionId]]);
    expect(await active(account.userId, signedOut.sessionId)).toBe(false);
    expect(await active(account.userId, kept.sessionId)).toBe(true);
  });

  it('a password reset over REST ends every session: one SessionRevoked each, then sessionActive is false', async () => {
    const account = await restAccount();
    const sessions = [await restSignIn(account), await restSignIn(account)];
    expect((await post(account.who, '/request-password-reset', { email: account.email })).status).toBe(200);
    const token = await resetToken(h.mailbox, account.email);
    const reset = await post(account.who, '/reset-password', { token, newPassword: 'a brand new password' });
    expect(reset.status).toBe(200);

    expect(await revoked(account.userId)).toEqual(
      sessions.map((s) => [`user.${account.userId}`, s.sessionId]).sort(),
    );
    for (const s of sessions) expect(await active(account.userId, s.sessionId)).toBe(false);
  });

  it('the resetPassword mutation ends every session the same way', async () => {
    const account = await restAccount();
    const sessions = [await restSignIn(account), await restSignIn(account)];
    expect((await post(account.who, '/request-password-reset', { email: account.email })).status).toBe(200);
    const token = await resetToken(h.mailbox, account.email);
    expect(await h.ok(account.who, RESET, { token, password: 'another new password' })).toEqual({
      resetPassword: true,
    });

    expect(await revoked(account.userId)).toEqual(
      sessions.map((s) => [`user.${account.userId}`, s.sessionId]).sort(),
    );
    for (const s of sessions) expect(await active(account.userId, s.sessionId)).toBe(false);
  });

  it("sessionActive: false for an expired session, another user's, or a JWT without one", async () => {
    const [owner, other] = [await h.createUser(), await h.createUser()];
    const live = await newSession(owner);
    const expired = await newSession(owner, -1_000);
    expect(await active(owner, live)).toBe(true);
    expect(await active(owner, expired)).toBe(false);
    expect(await active(other, live)).toBe(false);
    expect(await h.ok(as(owner), SESSION_ACTIVE)).toEqual({ sessionActive: false });
    expect(codeOf(await h.as(undefined, SESSION_ACTIVE))).toBe('UNAUTHENTICATED');
  });
});
