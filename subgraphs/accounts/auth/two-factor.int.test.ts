import { session, twoFactor, user } from '@gochat/drizzle';
import type { Identity } from '@gochat/identity';
import { codeOf, describeOnBothDatabases, type GraphqlResult } from '@gochat/testkit';
import { base32 } from '@better-auth/utils/base32';
import { createOTP } from '@better-auth/utils/otp';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { openAccountsHarness } from '../test-harness.ts';

const SESSION_FIELDS = 'sessionToken jwt user { id twoFactorEnabled }';
const SIGN_UP =
  'mutation($email: String!, $password: String!) { signUp(input: { email: $email, password: $password, displayName: "Tfa" }) { user { id } } }';
const SIGN_IN = `mutation($email: String!, $password: String!) {
  signIn(input: { email: $email, password: $password }) {
    __typename
    ... on AuthSession { ${SESSION_FIELDS} }
    ... on SecondFactorRequired { challenge methods expiresAt }
  }
}`;
const SECOND_FACTOR = `mutation($challenge: String!, $code: String!) { signInSecondFactor(challenge: $challenge, code: $code) { ${SESSION_FIELDS} } }`;
const ENABLE =
  'mutation($password: String!) { enableTwoFactor(password: $password) { totpURI secret backupCodes } }';
const VERIFY = `mutation($code: String!) { verifyTwoFactor(code: $code) { ${SESSION_FIELDS} } }`;
const DISABLE = `mutation($password: String!, $code: String!) { disableTwoFactor(password: $password, code: $code) { ${SESSION_FIELDS} } }`;
const REGENERATE = 'mutation($password: String!) { regenerateBackupCodes(password: $password) }';
const ME = 'query { me { id twoFactorEnabled } }';
const SESSION_ACTIVE = 'query { sessionActive }';
const SIGN_OUT = 'mutation { signOut }';

interface AuthSession {
  sessionToken: string;
  jwt: string;
  user: { id: string; twoFactorEnabled: boolean | null };
}
type SignInResult =
  | ({ __typename: 'AuthSession' } & AuthSession)
  | { __typename: 'SecondFactorRequired'; challenge: string; methods: string[]; expiresAt: string };

const PASSWORD = 'correct horse battery';

await describeOnBothDatabases('two-factor sign-in', openAccountsHarness, (h) => {
  let addresses = 0;
  /**
   * A fresh client address: each gets its own per-IP budget (10 code checks a minute), so a test
   * meets the limit only where it means to.
   */
  const ip = () => `10.7.${addresses >> 8}.${addresses++ & 255}`;
  const anonymous = (): Identity => ({ kind: 'anonymous', ip: ip() });

  /** A verified account with a password; nothing signed in yet. */
  async function account() {
    const email = `tfa-${crypto.randomUUID()}@harness.test`;
    const { signUp } = await h.ok<{ signUp: { user: { id: string } } }>(anonymous(), SIGN_UP, {
      email,
      password: PASSWORD,
    });
    await h.db.update(user).set({ emailVerified: true }).where(eq(user.id, signUp.user.id));
    return { email, userId: signUp.user.id };
  }

  const signIn = async (email: string, password = PASSWORD) =>
    (await h.ok<{ signIn: SignInResult }>(anonymous(), SIGN_IN, { email, password })).signIn;

  /** The caller of a session, as the router names it in the identity it signs. */
  async function caller(s: { sessionToken: string; user: { id: string } }): Promise<Identity> {
    const [row] = await h.db
      .select({ id: session.id })
      .from(session)
      .where(eq(session.token, s.sessionToken));
    if (!row) throw new Error('no session row for the token');
    return { kind: 'user', userId: s.user.id, sessionId: row.id, ip: ip() };
  }

  /** Signed in with the password only (before 2FA is on): the caller. */
  async function signedIn(email: string) {
    const result = await signIn(email);
    if (result.__typename !== 'AuthSession') throw new Error('expected a session');
    return caller(result);
  }

  /** The authenticator app: the code of the 30 s step `offset` steps from now. */
  const app = (setup: { secret: string }) => {
    const otp = createOTP(base32.decode(setup.secret));
    return (offset = 0) => otp.hotp(Math.floor(Date.now() / 30_000) + offset);
  };

  /** An account with 2FA on: its setup, app, and a caller of its current session. */
  async function withTwoFactor() {
    const acc = await account();
    const who = await signedIn(acc.email);
    const { enableTwoFactor: setup } = await h.ok<{
      enableTwoFactor: { totpURI: string; secret: string; backupCodes: string[] };
    }>(who, ENABLE, { password: PASSWORD });
    const code = app(setup);
    const { verifyTwoFactor } = await h.ok<{ verifyTwoFactor: AuthSession }>(who, VERIFY, {
      code: await code(),
    });
    return { ...acc, setup, code, who: await caller(verifyTwoFactor) };
  }

  async function challengeOf(email: string): Promise<string> {
    const result = await signIn(email);
    if (result.__typename !== 'SecondFactorRequired') throw new Error('expected a second-factor challenge');
    return result.challenge;
  }

  const second = (challenge: string, code: string) =>
    h.as<{ signInSecondFactor: AuthSession }>(anonymous(), SECOND_FACTOR, { challenge, code });
  const sessionsOf = async (userId: string) =>
    h.db.select({ id: session.id }).from(session).where(eq(session.userId, userId));
  const twoFactorRows = async (userId: string) =>
    h.db.select().from(twoFactor).where(eq(twoFactor.userId, userId));
  const failure = (result: GraphqlResult<unknown>) => ({
    code: codeOf(result),
    field: (result.errors?.[0]?.extensions as { field?: string } | undefined)?.field,
  });

  it('enable → verify → sign out → sign-in asks for the code → TOTP, a backup code once → disable', async () => {
    const acc = await account();
    const first = await signedIn(acc.email);
    expect(await h.ok(first, ME)).toEqual({ me: { id: acc.userId, twoFactorEnabled: false } });

    const { enableTwoFactor: setup } = await h.ok<{
      enableTwoFactor: { totpURI: string; secret: string; backupCodes: string[] };
    }>(first, ENABLE, { password: PASSWORD });
    const uri = new URL(setup.totpURI);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/GoChat:${acc.email}`);
    expect(uri.searchParams.get('issuer')).toBe('GoChat');
    expect(uri.searchParams.get('secret')).toBe(setup.secret);
    expect(setup.backupCodes).toHaveLength(10);
    for (const c of setup.backupCodes) expect(c).toMatch(/^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/);

    // Not on until a code confirms the app has the secret: sign-in still needs the password only.
    expect((await signIn(acc.email)).__typename).toBe('AuthSession');
    expect(await h.ok(first, ME)).toEqual({ me: { id: acc.userId, twoFactorEnabled: false } });

    const code = app(setup);
    const confirmed = await code();
    const { verifyTwoFactor } = await h.ok<{ verifyTwoFactor: AuthSession }>(first, VERIFY, {
      code: confirmed,
    });
    expect(verifyTwoFactor.user).toEqual({ id: acc.userId, twoFactorEnabled: true });
    // better-auth replaced the session the change was made in: the old one is signed out.
    expect(await h.ok(first, SESSION_ACTIVE)).toEqual({ sessionActive: false });
    const renewed = await caller(verifyTwoFactor);
    expect(await h.ok(renewed, ME)).toEqual({ me: { id: acc.userId, twoFactorEnabled: true } });
    expect(h.mailbox.messagesTo(acc.email).some((m) => m.includes('Two-factor sign-in was turned on'))).toBe(
      true,
    );

    expect(await h.ok(renewed, SIGN_OUT)).toEqual({ signOut: true });
    const signInsBefore = (await sessionsOf(acc.userId)).length;
    const asked = await signIn(acc.email);
    expect(asked).toMatchObject({ __typename: 'SecondFactorRequired', methods: ['TOTP', 'BACKUP_CODE'] });
    if (asked.__typename !== 'SecondFactorRequired') return;
    expect(Date.parse(asked.expiresAt)).toBeGreaterThan(Date.now());
    // The password alone made no session.
    expect(await sessionsOf(acc.userId)).toHaveLength(signInsBefore);

    // The code that turned 2FA on was used once: refused; a fresh one completes the sign-in.
    expect(failure(await second(asked.challenge, confirmed))).toEqual({ code: 'VALIDATION', field: 'code' });
    const fresh = await code(1);
    const done = await second(asked.challenge, fresh);
    expect(done.errors).toBeUndefined();
    const byTotp = done.data!.signInSecondFactor;
    expect(byTotp.user.id).toBe(acc.userId);
    expect(await h.ok(await caller(byTotp), SESSION_ACTIVE)).toEqual({ sessionActive: true });
    // The challenge worked once; the code too, even with a new challenge.
    expect(codeOf(await second(asked.challenge, await code(-1)))).toBe('INVALID_TOKEN');
    expect(failure(await second(await challengeOf(acc.email), fresh))).toEqual({
      code: 'VALIDATION',
      field: 'code',
    });

    // A backup code signs in once (typed without its dash, too); then it is spent.
    const [backup, nextBackup, lastBackup] = setup.backupCodes as [string, string, string];
    const byBackup = await second(await challengeOf(acc.email), backup.replace('-', ''));
    expect(byBackup.data?.signInSecondFactor.user.id).toBe(acc.userId);
    const retry = await challengeOf(acc.email);
    expect(failure(await second(retry, backup))).toEqual({ code: 'VALIDATION', field: 'code' });
    // A wrong code does not use up the attempt: the next backup code completes it.
    expect((await second(retry, nextBackup)).data?.signInSecondFactor.user.id).toBe(acc.userId);

    // Off: a wrong password changes nothing and does not spend the backup code given with it.
    const signedInNow = await caller(byTotp);
    const wrongPassword = await h.as(signedInNow, DISABLE, {
      password: 'not the password',
      code: lastBackup,
    });
    expect(failure(wrongPassword)).toEqual({ code: 'VALIDATION', field: 'password' });
    expect(await h.ok(signedInNow, ME)).toEqual({ me: { id: acc.userId, twoFactorEnabled: true } });
    const { disableTwoFactor } = await h.ok<{ disableTwoFactor: AuthSession }>(signedInNow, DISABLE, {
      password: PASSWORD,
      code: lastBackup,
    });
    expect(disableTwoFactor.user).toEqual({ id: acc.userId, twoFactorEnabled: false });
    expect(await twoFactorRows(acc.userId)).toEqual([]);
    expect(await h.ok(signedInNow, SESSION_ACTIVE)).toEqual({ sessionActive: false });
    expect((await signIn(acc.email)).__typename).toBe('AuthSession');
    expect(h.mailbox.messagesTo(acc.email).some((m) => m.includes('Two-factor sign-in was turned off'))).toBe(
      true,
    );
  });

  it('disables with a TOTP code as well, and refuses a wrong or reused one', async () => {
    const acc = await withTwoFactor();
    const wrong = await h.as(acc.who, DISABLE, { password: PASSWORD, code: '000000' });
    expect(failure(wrong)).toEqual({ code: 'VALIDATION', field: 'code' });
    const code = await acc.code(1);
    const { disableTwoFactor } = await h.ok<{ disableTwoFactor: AuthSession }>(acc.who, DISABLE, {
      password: PASSWORD,
      code,
    });
    expect(disableTwoFactor.user.twoFactorEnabled).toBe(false);
    const again = await caller(disableTwoFactor);
    expect(codeOf(await h.as(again, DISABLE, { password: PASSWORD, code }))).toBe('CONFLICT');
  });

  it('refuses wrong, malformed, expired-looking and other accounts’ codes with typed errors, changing nothing', async () => {
    const [alice, bob] = [await withTwoFactor(), await withTwoFactor()];
    const challenge = await challengeOf(alice.email);
    const before = await sessionsOf(alice.userId);

    expect(failure(await second(challenge, '123456'))).toEqual({ code: 'VALIDATION', field: 'code' });
    expect(failure(await second(challenge, await bob.code()))).toEqual({ code: 'VALIDATION', field: 'code' });
    expect(failure(await second(challenge, 'not a code'))).toEqual({ code: 'VALIDATION', field: 'code' });
    expect(failure(await second(challenge, bob.setup.backupCodes[0]!))).toEqual({
      code: 'VALIDATION',
      field: 'code',
    });
    expect(codeOf(await second('x; better-auth.session_token=y', await alice.code()))).toBe('INVALID_TOKEN');
    expect(codeOf(await second(`${challenge.slice(0, -4)}AAAA`, await alice.code()))).toBe('INVALID_TOKEN');
    expect(await sessionsOf(alice.userId)).toEqual(before);
    // Bob's backup code still works for Bob: the attempt on Alice did not spend it.
    const bobChallenge = await challengeOf(bob.email);
    expect((await second(bobChallenge, bob.setup.backupCodes[0]!)).data?.signInSecondFactor.user.id).toBe(
      bob.userId,
    );
  });

  it('ends a challenge after 5 wrong codes, and locks the account after 10 in a row whatever the address', async () => {
    const acc = await withTwoFactor();
    const first = await challengeOf(acc.email);
    for (let i = 0; i < 5; i++) expect(codeOf(await second(first, '000000'))).toBe('VALIDATION');
    expect(codeOf(await second(first, await acc.code(1)))).toBe('INVALID_TOKEN');

    const next = await challengeOf(acc.email);
    for (let i = 0; i < 5; i++) expect(codeOf(await second(next, '000000'))).toBe('VALIDATION');
    const locked = await second(await challengeOf(acc.email), await acc.code(1));
    expect(codeOf(locked)).toBe('RATE_LIMITED');
    expect((locked.errors?.[0]?.extensions as { retryAfter?: number }).retryAfter).toBeGreaterThan(0);
    expect((await twoFactorRows(acc.userId))[0]?.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
  });

  it('limits code checks per client address', async () => {
    const who = anonymous();
    const attempt = () => h.as(who, SECOND_FACTOR, { challenge: 'x'.repeat(40), code: '123456' });
    for (let i = 0; i < 10; i++) expect(codeOf(await attempt())).toBe('INVALID_TOKEN');
    expect(codeOf(await attempt())).toBe('RATE_LIMITED');
  });

  it('setup refusals: anonymous, a wrong password, a wrong code, twice, and verify before enable', async () => {
    const acc = await account();
    const who = await signedIn(acc.email);
    expect(codeOf(await h.as(anonymous(), ENABLE, { password: PASSWORD }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await h.as(who, VERIFY, { code: '123456' }))).toBe('CONFLICT');
    expect(failure(await h.as(who, ENABLE, { password: 'wrong password' }))).toEqual({
      code: 'VALIDATION',
      field: 'password',
    });
    expect(await twoFactorRows(acc.userId)).toEqual([]);

    const { enableTwoFactor: setup } = await h.ok<{
      enableTwoFactor: { secret: string; backupCodes: string[] };
    }>(who, ENABLE, { password: PASSWORD });
    expect(failure(await h.as(who, VERIFY, { code: '000000' }))).toEqual({
      code: 'VALIDATION',
      field: 'code',
    });
    expect(failure(await h.as(who, VERIFY, { code: setup.backupCodes[0]! }))).toEqual({
      code: 'VALIDATION',
      field: 'code',
    });
    // Nothing changed: still off, and the session the attempts were made in is still the one.
    expect(await h.ok(who, ME)).toEqual({ me: { id: acc.userId, twoFactorEnabled: false } });
    expect(await h.ok(who, SESSION_ACTIVE)).toEqual({ sessionActive: true });
    expect((await signIn(acc.email)).__typename).toBe('AuthSession');

    const { verifyTwoFactor } = await h.ok<{ verifyTwoFactor: AuthSession }>(who, VERIFY, {
      code: await app(setup)(),
    });
    const on = await caller(verifyTwoFactor);
    expect(codeOf(await h.as(on, ENABLE, { password: PASSWORD }))).toBe('CONFLICT');
    expect(codeOf(await h.as(on, VERIFY, { code: await app(setup)(1) }))).toBe('CONFLICT');
    expect(await h.ok(on, SESSION_ACTIVE)).toEqual({ sessionActive: true });
  });

  it('regenerates backup codes: the old ones stop working, the new ones sign in; refused without 2FA or the password', async () => {
    const acc = await withTwoFactor();
    const [oldCode, otherOld] = acc.setup.backupCodes as [string, string];

    // A wrong password changes nothing: the old codes still work afterwards (checked below).
    expect(failure(await h.as(acc.who, REGENERATE, { password: 'not the password' }))).toEqual({
      code: 'VALIDATION',
      field: 'password',
    });
    expect((await second(await challengeOf(acc.email), otherOld)).data?.signInSecondFactor.user.id).toBe(
      acc.userId,
    );

    const { regenerateBackupCodes: codes } = await h.ok<{ regenerateBackupCodes: string[] }>(
      acc.who,
      REGENERATE,
      { password: PASSWORD },
    );
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/);
    expect(codes.filter((c) => acc.setup.backupCodes.includes(c))).toEqual([]);
    // The session it was made in goes on (no renewal, unlike turning 2FA on or off).
    expect(await h.ok(acc.who, SESSION_ACTIVE)).toEqual({ sessionActive: true });
    expect(h.mailbox.messagesTo(acc.email).some((m) => m.includes('the old ones no longer work'))).toBe(true);

    // An old, unused code is refused; a new one completes the same sign-in, once.
    const challenge = await challengeOf(acc.email);
    expect(failure(await second(challenge, oldCode))).toEqual({ code: 'VALIDATION', field: 'code' });
    const completed = await second(challenge, codes[0]!);
    expect(completed.data?.signInSecondFactor.user.id).toBe(acc.userId);
    expect(failure(await second(await challengeOf(acc.email), codes[0]!))).toEqual({
      code: 'VALIDATION',
      field: 'code',
    });

    // Without 2FA on there are no codes to replace; anonymous callers are refused first.
    const plain = await signedIn((await account()).email);
    expect(codeOf(await h.as(plain, REGENERATE, { password: PASSWORD }))).toBe('CONFLICT');
    expect(codeOf(await h.as(anonymous(), REGENERATE, { password: PASSWORD }))).toBe('UNAUTHENTICATED');
  });

  it('limits regenerating backup codes per client address, as the other 2FA mutations', async () => {
    const acc = await withTwoFactor();
    const who = { ...acc.who, ip: ip() };
    for (let i = 0; i < 10; i++)
      expect(codeOf(await h.as(who, REGENERATE, { password: 'not the password' }))).toBe('VALIDATION');
    expect(codeOf(await h.as(who, REGENERATE, { password: PASSWORD }))).toBe('RATE_LIMITED');
  });

  it('twoFactorEnabled is its owner’s to see', async () => {
    const acc = await withTwoFactor();
    const other = await h.createUser();
    const query = 'query($id: ID!) { user(id: $id) { id twoFactorEnabled } }';
    expect(await h.ok(other, query, { id: acc.userId })).toEqual({
      user: { id: acc.userId, twoFactorEnabled: null },
    });
    expect(await h.ok(acc.who, query, { id: acc.userId })).toEqual({
      user: { id: acc.userId, twoFactorEnabled: true },
    });
  });

  it('over REST: sign-in sets the challenge cookie, verify-totp completes it once, a replay is refused', async () => {
    const acc = await withTwoFactor();
    const who = anonymous();
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      h.fetch(who, `/api/auth${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const challengeCookie = async () => {
      const response = await post('/sign-in/email', { email: acc.email, password: PASSWORD });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ twoFactorRedirect: true });
      const cookie = response.headers.getSetCookie().find((c) => c.includes('two_factor='));
      expect(response.headers.get('set-auth-token')).toBeNull();
      return cookie!.split(';')[0]!;
    };
    const code = await acc.code(1);
    const ok = await post('/two-factor/verify-totp', { code }, { cookie: await challengeCookie() });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-auth-token')).toBeTruthy();
    const replay = await post('/two-factor/verify-totp', { code }, { cookie: await challengeCookie() });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'CODE_ALREADY_USED' });
  });
});
