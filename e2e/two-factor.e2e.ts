import { base32 } from '@better-auth/utils/base32';
import { createOTP } from '@better-auth/utils/otp';
import {
  DisableTwoFactorDocument,
  EnableTwoFactorDocument,
  MeDocument,
  SessionActiveDocument,
  SignInDocument,
  SignInSecondFactorDocument,
  VerifyTwoFactorDocument,
  createVerifiedUser,
  freePort,
  gql,
  gqlOk,
  logMailbox,
  startGochat,
  type GochatProcess,
  type Mailbox,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

/** Two-factor sign-in through the router, as a client does it: GraphQL, and REST for the second step. */
describe('two-factor sign-in, end to end (embedded)', () => {
  let gochat: GochatProcess;
  let mailbox: Mailbox;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS, 'accounts:\n  productName: Parley\n');
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    mailbox = logMailbox(gochat);
  });
  afterAll(async () => {
    expect(await gochat.stop()).toBe(0);
  });

  it('turns on with a code, asks for it at sign-in (GraphQL and REST), and turns off', async () => {
    const url = gochat.url;
    const user = await createVerifiedUser(url, mailbox);
    const { enableTwoFactor: setup } = await gqlOk(
      url,
      EnableTwoFactorDocument,
      { password: user.password },
      user.jwt,
    );
    expect(new URL(setup.totpURI).searchParams.get('issuer')).toBe('Parley');
    const otp = createOTP(base32.decode(setup.secret));
    const code = (offset: number) => otp.hotp(Math.floor(Date.now() / 30_000) + offset);

    const { verifyTwoFactor } = await gqlOk(url, VerifyTwoFactorDocument, { code: await code(0) }, user.jwt);
    expect((await gqlOk(url, MeDocument, {}, verifyTwoFactor.jwt)).me.twoFactorEnabled).toBe(true);
    // The session it was turned on in ended; the answered one replaces it.
    expect((await gqlOk(url, SessionActiveDocument, {}, user.jwt)).sessionActive).toBe(false);
    expect(mailbox.messagesTo(user.email).some((m) => m.includes('Two-factor sign-in was turned on'))).toBe(
      true,
    );

    const { signIn } = await gqlOk(url, SignInDocument, {
      input: { email: user.email, password: user.password },
    });
    if (signIn.__typename !== 'SecondFactorRequired') throw new Error('sign-in did not ask for the code');
    const { signInSecondFactor } = await gqlOk(url, SignInSecondFactorDocument, {
      challenge: signIn.challenge,
      code: await code(1),
    });
    expect(signInSecondFactor.user).toEqual({ id: user.id, twoFactorEnabled: true });
    const me = await gqlOk(url, MeDocument, {}, signInSecondFactor.jwt);
    expect(me.me.id).toBe(user.id);

    // REST: sign-in sets the challenge cookie through the router; verify-backup-code completes it.
    // A browser sends its Origin with the cookie, as better-auth's CSRF check requires.
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}/api/auth${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: new URL(url).origin, ...headers },
        body: JSON.stringify(body),
      });
    const restSignIn = await post('/sign-in/email', { email: user.email, password: user.password });
    expect(await restSignIn.json()).toMatchObject({ twoFactorRedirect: true });
    const cookie = restSignIn.headers
      .getSetCookie()
      .find((c) => c.includes('two_factor='))
      ?.split(';')[0];
    expect(cookie).toBeTruthy();
    const backup = setup.backupCodes[0]!;
    const completed = await post('/two-factor/verify-backup-code', { code: backup }, { cookie: cookie! });
    expect(completed.status).toBe(200);
    expect(completed.headers.get('set-auth-token')).toBeTruthy();
    const again = await post('/two-factor/verify-backup-code', { code: backup }, { cookie: cookie! });
    expect(again.status).toBe(401);

    const { disableTwoFactor } = await gqlOk(
      url,
      DisableTwoFactorDocument,
      { password: user.password, code: setup.backupCodes[1]! },
      signInSecondFactor.jwt,
    );
    expect((await gqlOk(url, MeDocument, {}, disableTwoFactor.jwt)).me.twoFactorEnabled).toBe(false);
    const plain = await gql(url, SignInDocument, { input: { email: user.email, password: user.password } });
    expect(plain.data?.signIn.__typename).toBe('AuthSession');
  });
});
