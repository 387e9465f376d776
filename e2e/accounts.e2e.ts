import { STATUS_CODES } from 'node:http';

import { SignJWT } from 'jose';
import {
  MeDocument,
  RefreshJwtDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  SignInDocument,
  SignOutDocument,
  SignUpDocument,
  UpdateProfileDocument,
  UserByIdDocument,
  VerifyEmailDocument,
  ViewerFeedDocument,
  createVerifiedUser,
  freePort,
  gql,
  gqlOk,
  logMailbox,
  logRecords,
  resetToken,
  startGochat,
  verificationLink,
  type GochatProcess,
  type Mailbox,
  waitForMetric,
  wsConnect,
  type TestUser,
  signInSession,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

const codeOf = (result: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) =>
  result.errors?.[0]?.extensions?.code;

/** Accounts through the router: sign-up, verification, sign-in, sessions, reset and profile. */
describe('accounts, end to end (embedded)', () => {
  let gochat: GochatProcess;
  let mailbox: Mailbox;
  let url: string;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    mailbox = logMailbox(gochat);
    url = gochat.url;
  });
  afterAll(async () => {
    expect(await gochat.stop()).toBe(0);
  });

  const newEmail = () =>
    `acct-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}@example.test`;

  /** A call to /api/auth through the router, JSON unless the body is a string. */
  const rest = (method: string, path: string, body?: unknown, sessionToken?: string) =>
    fetch(`${url}/api/auth${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(sessionToken ? { authorization: `Bearer ${sessionToken}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  /** Signs in over REST; answers the session token clients send back. */
  const restSignIn = async (user: TestUser) => {
    const response = await rest('POST', '/sign-in/email', { email: user.email, password: user.password });
    expect(response.status).toBe(200);
    return response.headers.get('set-auth-token')!;
  };

  describe('sign-up and verification', () => {
    it('refuses sign-in until the mailed link is opened, then activates the account', async () => {
      const email = newEmail();
      const signUp = await gqlOk(url, SignUpDocument, {
        input: { email, password: 'correct horse', displayName: 'Ver' },
      });
      expect(signUp.signUp.verificationRequired).toBe(true);

      const early = await gql(url, SignInDocument, { input: { email, password: 'correct horse' } });
      expect(codeOf(early)).toBe('EMAIL_NOT_VERIFIED');

      const link = await verificationLink(mailbox, email);
      // The link points at the public URL, by default the address the start banner announces.
      const banner = await gochat.waitForLine(/^GoChat is ready: open /);
      const announced = new URL(/open (\S+)$/.exec(banner)![1]!);
      expect(announced.origin).toBe(`http://127.0.0.1:${new URL(url).port}`);
      expect(link.startsWith(`${announced.origin}/api/auth/verify-email?token=`)).toBe(true);
      const opened = await fetch(link);
      expect(opened.status).toBe(200);

      const signIn = await signInSession(url, { email, password: 'correct horse' });
      expect(signIn.user.email).toBe(email);
      expect(Date.parse(signIn.jwtExpiresAt)).toBeGreaterThan(Date.now());
    });

    it('refuses a reused verification link with LINK_ALREADY_USED, over REST and GraphQL', async () => {
      const user = await createVerifiedUser(url, mailbox);
      const link = await verificationLink(mailbox, user.email);
      const again = await fetch(link);
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({ code: 'LINK_ALREADY_USED' });
      const token = new URL(link).searchParams.get('token')!;
      expect(codeOf(await gql(url, VerifyEmailDocument, { token }))).toBe('LINK_ALREADY_USED');
    });

    it('refuses an expired or tampered verification link, and the account stays inactive', async () => {
      const email = newEmail();
      const { signUp } = await gqlOk(url, SignUpDocument, {
        input: { email, password: 'correct horse', displayName: 'Exp' },
      });
      // A link exactly as GoChat mints it (HS256 under AUTH_SECRET), but an hour past its expiry.
      const now = Math.floor(Date.now() / 1000);
      const expired = await new SignJWT({ email, userId: signUp.user.id })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 3600)
        .sign(new TextEncoder().encode(SECRETS.AUTH_SECRET));
      const rest = await fetch(`${url}/api/auth/verify-email?token=${expired}`);
      expect(rest.status).toBe(401);
      expect(await rest.json()).toMatchObject({ code: 'TOKEN_EXPIRED' });
      expect(codeOf(await gql(url, VerifyEmailDocument, { token: expired }))).toBe('TOKEN_EXPIRED');

      const link = await verificationLink(mailbox, email);
      const token = new URL(link).searchParams.get('token')!;
      const tampered = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      expect(codeOf(await gql(url, VerifyEmailDocument, { token: tampered }))).toBe('INVALID_TOKEN');
      expect(codeOf(await gql(url, SignInDocument, { input: { email, password: 'correct horse' } }))).toBe(
        'EMAIL_NOT_VERIFIED',
      );
    });

    it('refuses an existing e-mail with CONFLICT (GraphQL) and EMAIL_TAKEN (REST), creating nothing', async () => {
      const user = await createVerifiedUser(url, mailbox);
      const again = await gql(url, SignUpDocument, {
        input: { email: user.email.toUpperCase(), password: 'another password', displayName: 'Dup' },
      });
      expect(codeOf(again)).toBe('CONFLICT');
      const rest = await fetch(`${url}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: 'another password', name: 'Dup' }),
      });
      expect(rest.status).toBe(422);
      expect(await rest.json()).toMatchObject({ code: 'EMAIL_TAKEN' });
      // The original password still signs in: nothing was overwritten.
      await gqlOk(url, SignInDocument, { input: { email: user.email, password: user.password } });
    });

    it('validates sign-up input with typed errors naming the field', async () => {
      const cases = [
        [{ email: 'not-an-email', password: 'long enough', displayName: 'X' }, 'email'],
        [{ email: newEmail(), password: 'short', displayName: 'X' }, 'password'],
        [{ email: newEmail(), password: 'long enough', displayName: '' }, 'displayName'],
        [{ email: newEmail(), password: 'long enough', displayName: 'X', handle: 'Bad Handle!' }, 'handle'],
      ] as const;
      for (const [input, field] of cases) {
        const result = await gql(url, SignUpDocument, { input });
        expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field });
      }
    });

    it('refuses a wrong password with UNAUTHENTICATED and no hint which part was wrong', async () => {
      const user = await createVerifiedUser(url, mailbox);
      const wrong = await gql(url, SignInDocument, {
        input: { email: user.email, password: 'not the password' },
      });
      const unknown = await gql(url, SignInDocument, {
        input: { email: newEmail(), password: 'not the password' },
      });
      expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
      expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
    });
  });

  describe('sessions', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await createVerifiedUser(url, mailbox);
    });

    it('refreshes the JWT with the session token', async () => {
      const { refreshJwt } = await gqlOk(url, RefreshJwtDocument, { sessionToken: user.sessionToken });
      const { me } = await gqlOk(url, MeDocument, {}, refreshJwt.jwt);
      expect(me.id).toBe(user.id);
    });

    it('issues a session over REST too, and its JWT works on /graphql', async () => {
      const signIn = await fetch(`${url}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: user.password }),
      });
      expect(signIn.status).toBe(200);
      const sessionToken = signIn.headers.get('set-auth-token');
      expect(sessionToken).toBeTruthy();
      const tokenResponse = await fetch(`${url}/api/auth/token`, {
        headers: { authorization: `Bearer ${sessionToken}` },
      });
      const { token } = (await tokenResponse.json()) as { token: string };
      expect((await gqlOk(url, MeDocument, {}, token)).me.id).toBe(user.id);
    });

    it('signs out the session the JWT belongs to', async () => {
      const signIn = await signInSession(url, { email: user.email, password: user.password });
      expect((await gqlOk(url, SignOutDocument, {}, signIn.jwt)).signOut).toBe(true);
      const refresh = await gql(url, RefreshJwtDocument, { sessionToken: signIn.sessionToken });
      expect(codeOf(refresh)).toBe('UNAUTHENTICATED');
      // Its JWT stops working over HTTP too, once the router checks the session again (≤ 15 s).
      await expect
        .poll(async () => codeOf(await gql(url, MeDocument, {}, signIn.jwt)), {
          timeout: 30_000,
          interval: 500,
        })
        .toBe('UNAUTHENTICATED');
      // Other sessions of the account are untouched.
      await gqlOk(url, RefreshJwtDocument, { sessionToken: user.sessionToken });
      await gqlOk(url, MeDocument, {}, user.jwt);
    });
  });

  describe('sockets of ended sessions', () => {
    /** A socket with a live viewer feed, once the router counts `live` subscriptions in all. */
    async function liveSocket(jwt: string, live: number) {
      const ws = wsConnect(url, jwt);
      ws.subscribe(ViewerFeedDocument, {});
      await waitForMetric(url, 'gochat_router_active_subscriptions', (v) => v >= live, {}, 20_000);
      return ws;
    }

    it('closes with 4410 on a REST sign-out, and on a password reset, every socket of the ended sessions', async () => {
      const user = await createVerifiedUser(url, mailbox);
      const sessionToken = await restSignIn(user);
      const { token } = (await (await rest('GET', '/token', undefined, sessionToken)).json()) as {
        token: string;
      };
      const signedOut = await liveSocket(token, 1);
      expect((await rest('POST', '/sign-out', {}, sessionToken)).status).toBe(200);
      expect((await signedOut.waitForClose(20_000)).code).toBe(4410);
      await waitForMetric(url, 'gochat_router_active_subscriptions', (v) => v === 0, {}, 20_000);

      const signIn = await signInSession(url, { email: user.email, password: user.password });
      const sockets = [await liveSocket(user.jwt, 1), await liveSocket(signIn.jwt, 2)];
      expect((await rest('POST', '/request-password-reset', { email: user.email })).status).toBe(200);
      const resetWith = await resetToken(mailbox, user.email);
      expect(
        (await rest('POST', '/reset-password', { token: resetWith, newPassword: 'brand new password' }))
          .status,
      ).toBe(200);
      const closes = await Promise.all(sockets.map((ws) => ws.waitForClose(20_000)));
      expect(closes.map((c) => c.code)).toEqual([4410, 4410]);
      await Promise.all([signedOut, ...sockets].map((ws) => ws.dispose()));
    });
  });

  describe('password reset', () => {
    it('resets with the mailed token, ends every session, and the token works once', async () => {
      const user = await createVerifiedUser(url, mailbox);
      expect(
        (await gqlOk(url, RequestPasswordResetDocument, { email: user.email })).requestPasswordReset,
      ).toBe(true);
      const token = await resetToken(mailbox, user.email);

      expect(
        (await gqlOk(url, ResetPasswordDocument, { token, newPassword: 'a brand new password' }))
          .resetPassword,
      ).toBe(true);
      expect(
        codeOf(await gql(url, SignInDocument, { input: { email: user.email, password: user.password } })),
      ).toBe('UNAUTHENTICATED');
      await gqlOk(url, SignInDocument, { input: { email: user.email, password: 'a brand new password' } });
      expect(codeOf(await gql(url, RefreshJwtDocument, { sessionToken: user.sessionToken }))).toBe(
        'UNAUTHENTICATED',
      );
      const reused = await gql(url, ResetPasswordDocument, { token, newPassword: 'yet another password' });
      expect(codeOf(reused)).toBe('INVALID_TOKEN');
    });

    it('answers true for an unknown address and sends nothing', async () => {
      const email = newEmail();
      expect((await gqlOk(url, RequestPasswordResetDocument, { email })).requestPasswordReset).toBe(true);
      expect(mailbox.messagesTo(email)).toEqual([]);
    });
  });

  describe('profile', () => {
    it('updates display name and handle, keeps handles unique, and hides e-mail from others', async () => {
      const [ann, ben] = await Promise.all([
        createVerifiedUser(url, mailbox),
        createVerifiedUser(url, mailbox),
      ]);
      const handle = `ann_${Date.now().toString(36)}`;
      const { updateProfile } = await gqlOk(
        url,
        UpdateProfileDocument,
        { input: { displayName: 'Ann', handle } },
        ann.jwt,
      );
      expect(updateProfile).toEqual({ id: ann.id, displayName: 'Ann', handle });

      const taken = await gql(url, UpdateProfileDocument, { input: { handle } }, ben.jwt);
      expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'handle' });

      const seenByBen = await gqlOk(url, UserByIdDocument, { id: ann.id }, ben.jwt);
      expect(seenByBen.user).toEqual({ id: ann.id, displayName: 'Ann', handle, email: null });
      const seenByAnn = await gqlOk(url, UserByIdDocument, { id: ann.id }, ann.jwt);
      expect(seenByAnn.user?.email).toBe(ann.email);

      const anonymous = await gql(url, UpdateProfileDocument, { input: { displayName: 'Nobody' } });
      expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    });

    it('cannot be changed around the rules through /api/auth: update-user is not served, sign-up validates', async () => {
      const user = await createVerifiedUser(url, mailbox, { displayName: 'Kept' });
      const session = await restSignIn(user);
      for (const name of ['x'.repeat(900_000), '']) {
        const update = await rest('POST', '/update-user', { name }, session);
        expect(update.status).toBe(404);
        expect(await update.json()).toMatchObject({ code: 'NOT_FOUND' });
      }
      expect((await rest('POST', '/update-user', { handle: 'Kept' }, session)).status).toBe(404);
      expect((await gqlOk(url, MeDocument, {}, user.jwt)).me).toMatchObject({
        displayName: 'Kept',
        handle: null,
      });

      const signUp = await rest('POST', '/sign-up/email', {
        email: newEmail(),
        password: 'long enough',
        name: 'x'.repeat(900_000),
      });
      expect(signUp.status).toBe(400);
      expect(await signUp.json()).toMatchObject({ code: 'VALIDATION', field: 'name' });
    });
  });

  describe('REST errors', () => {
    it('keep stdout to JSON lines, log client mistakes below warn, and answer standard reason phrases', async () => {
      const user = await createVerifiedUser(url, mailbox);
      const mistakes: Array<[string, string, unknown, number]> = [
        ['POST', '/sign-in/email', { email: user.email, password: 'not the password' }, 401],
        ['POST', '/sign-in/email', { email: newEmail(), password: 'not the password' }, 401],
        ['POST', '/sign-in/email', 'this is not JSON', 400],
        ['POST', '/sign-up/email', { email: newEmail(), password: 'short', name: 'Short' }, 400],
        ['POST', '/sign-up/email', { email: 'not an e-mail', password: 'long enough', name: 'Bad' }, 400],
        ['POST', '/reset-password', { token: 'bogus', newPassword: 'long enough' }, 400],
        ['GET', '/verify-email?token=bogus', undefined, 401],
        ['GET', '/token', undefined, 401],
        ['POST', '/update-user', { name: 'x' }, 404],
      ];
      for (const [method, path, body, status] of mistakes) {
        const response = await rest(method, path, body);
        expect([method, path, response.status, response.statusText]).toEqual([
          method,
          path,
          status,
          STATUS_CODES[status],
        ]);
      }
      const ok = await rest('POST', '/sign-in/email', { email: user.email, password: user.password });
      expect([ok.status, ok.statusText]).toEqual([200, 'OK']);
      expect(codeOf(await gql(url, SignInDocument, { input: { email: user.email, password: 'nope' } }))).toBe(
        'UNAUTHENTICATED',
      );

      // Everything logged so far, by every test of this process.
      const notJson = gochat.stdout.filter((line) => {
        try {
          return typeof JSON.parse(line) !== 'object';
        } catch {
          return true;
        }
      });
      expect(notJson).toEqual([]);
      expect(gochat.lines.filter((line) => /Better Auth|SERVER_ERROR/.test(line))).toEqual([]);
      const loud = logRecords({ lines: gochat.stdout }).filter((r) => (r.level as number) >= 40);
      expect(loud).toEqual([]);
    });
  });
});
