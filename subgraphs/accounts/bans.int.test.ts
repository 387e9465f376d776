import { session, user } from '@gochat/drizzle';
import type { Identity } from '@gochat/identity';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { createAccountsStore } from './store/index.ts';
import { openAccountsHarness } from './test-harness.ts';

const SIGN_IN =
  'mutation($email: String!, $password: String!) { signIn(input: { email: $email, password: $password }) { ... on AuthSession { sessionToken jwt } } }';
const REFRESH = 'mutation($token: String!) { refreshJwt(sessionToken: $token) { jwt } }';

await describeOnBothDatabases('operator bans', openAccountsHarness, (h) => {
  const store = () => createAccountsStore(h.db);
  let clients = 0;
  /** A distinct client address per account, so the per-address auth limits never interfere. */
  const client = (): Identity => ({ kind: 'anonymous', ip: `10.8.${clients >> 8}.${clients++ & 255}` });
  const post = (who: Identity, path: string, body: unknown) =>
    h.fetch(who, `/api/auth${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** A verified account with a password, made over REST as a client would. */
  async function account() {
    const who = client();
    const email = `ban-${crypto.randomUUID()}@harness.test`;
    const password = 'correct horse battery';
    const signUp = await post(who, '/sign-up/email', { email, password, name: 'Banned' });
    expect(signUp.status).toBe(200);
    const { user: created } = (await signUp.json()) as { user: { id: string } };
    await h.db.update(user).set({ emailVerified: true }).where(eq(user.id, created.id));
    return { who, email, password, userId: created.id };
  }
  const signIn = (a: { who: Identity; email: string; password: string }, password = a.password) =>
    h.as<{ signIn: { sessionToken: string; jwt: string } }>(a.who, SIGN_IN, { email: a.email, password });
  const sessionsOf = async (userId: string) =>
    (await h.db.select({ id: session.id }).from(session).where(eq(session.userId, userId))).map((s) => s.id);
  const revoked = async (userId: string) => {
    await h.flush();
    return h.events.events
      .filter((e) => e.type === 'SessionRevoked' && e.data.userId === userId)
      .map((e) => e.data.sessionId)
      .sort();
  };

  it('a ban ends every session (one SessionRevoked each) and refuses sign-in and JWTs until unbanned', async () => {
    const a = await account();
    const first = await signIn(a);
    const second = await signIn(a);
    expect(codeOf(first)).toBe('OK');
    expect(codeOf(second)).toBe('OK');
    const before = (await sessionsOf(a.userId)).sort();
    expect(before).toHaveLength(2);

    expect(await store().banUser(a.userId, { reason: 'spam' })).toBe(2);
    expect(await sessionsOf(a.userId)).toEqual([]);
    expect(await revoked(a.userId)).toEqual(before);
    expect(await store().userForOperator(a.email)).toMatchObject({ banned: true, banReason: 'spam' });

    // Sign-in: FORBIDDEN with the right password (over GraphQL and REST), and no session is made.
    const refused = await signIn(a);
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.message).toMatch(/suspended/);
    const rest = await post(a.who, '/sign-in/email', { email: a.email, password: a.password });
    expect(rest.status).toBe(403);
    expect(((await rest.json()) as { code: string }).code).toBe('BANNED_USER');
    expect(await sessionsOf(a.userId)).toEqual([]);
    // A wrong password still tells nothing more than before.
    expect(codeOf(await signIn(a, 'wrong password here'))).toBe('UNAUTHENTICATED');
    // The old session tokens no longer give JWTs.
    expect(codeOf(await h.as(a.who, REFRESH, { token: first.data!.signIn.sessionToken }))).toBe(
      'UNAUTHENTICATED',
    );

    await store().unbanUser(a.userId);
    expect(await store().userForOperator(a.userId)).toMatchObject({ banned: false, banReason: null });
    const again = await signIn(a);
    expect(codeOf(again)).toBe('OK');
    expect(codeOf(await h.as(a.who, REFRESH, { token: again.data!.signIn.sessionToken }))).toBe('OK');
  });

  it('a session that outlived the ban still gets no JWT: FORBIDDEN', async () => {
    const a = await account();
    const signedIn = await signIn(a);
    expect(codeOf(signedIn)).toBe('OK');
    // Only the flag, as if a session had been made while the ban was being written.
    await h.db.update(user).set({ banned: true }).where(eq(user.id, a.userId));
    expect(codeOf(await h.as(a.who, REFRESH, { token: signedIn.data!.signIn.sessionToken }))).toBe(
      'FORBIDDEN',
    );
    const token = await h.fetch(a.who, '/api/auth/token', {
      headers: { authorization: `Bearer ${signedIn.data!.signIn.sessionToken}` },
    });
    expect(token.status).toBe(403);
  });

  it('a ban past its end no longer counts', async () => {
    const a = await account();
    await store().banUser(a.userId, { expires: new Date(Date.now() - 1_000) });
    expect(await store().isBanned(a.userId)).toBe(false);
    expect(codeOf(await signIn(a))).toBe('OK');
    await store().banUser(a.userId, { expires: new Date(Date.now() + 3_600_000) });
    expect(await store().isBanned(a.userId)).toBe(true);
    expect(codeOf(await signIn(a))).toBe('FORBIDDEN');
  });
});
