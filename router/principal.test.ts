import { createIdentitySigner } from '@gochat/identity';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createJwtAuthenticator } from './principal.ts';

const PUBLIC_URL = 'https://chat.example.test';

/** An accounts role that serves one EdDSA key set, as better-auth's /api/auth/jwks does. */
async function keySet() {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
  const auth = createJwtAuthenticator({
    publicUrl: PUBLIC_URL,
    accounts: () => Promise.resolve(Response.json({ keys: [jwk] })),
    signer: createIdentitySigner('s'.repeat(32)),
  });
  const token = (sub: string, expiresAt: number) =>
    new SignJWT({ sid: 'session-1' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setSubject(sub)
      .setIssuer(PUBLIC_URL)
      .setAudience(PUBLIC_URL)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(privateKey);
  return { auth, token };
}

describe('client JWTs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('read the user of a valid token, again when it comes back', async () => {
    const { auth, token } = await keySet();
    const jwt = await token('u1', Date.now() + 3_600_000);
    const want = { kind: 'user', userId: 'u1', sessionId: 'session-1' };
    expect(await auth.fromAuthorization(`Bearer ${jwt}`)).toMatchObject(want);
    expect(await auth.fromAuthorization(`Bearer ${jwt}`)).toMatchObject(want);
  });

  it('refuse a token verified before once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1) });
    const { auth, token } = await keySet();
    const jwt = await token('u1', Date.now() + 5_000);
    expect(await auth.fromAuthorization(`Bearer ${jwt}`)).toMatchObject({ userId: 'u1' });
    vi.advanceTimersByTime(4_000);
    expect(await auth.fromAuthorization(`Bearer ${jwt}`)).toMatchObject({ userId: 'u1' });
    vi.advanceTimersByTime(1_000);
    await expect(auth.fromAuthorization(`Bearer ${jwt}`)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'The token has expired. Get a fresh one.',
    });
  });

  it('refuse a token with another signature every time, even after its valid twin', async () => {
    const { auth, token } = await keySet();
    const jwt = await token('u1', Date.now() + 3_600_000);
    await auth.fromAuthorization(`Bearer ${jwt}`);
    const [header, payload] = jwt.split('.');
    const forged = `${header}.${payload}.${(await token('u2', Date.now() + 3_600_000)).split('.')[2]}`;
    for (let i = 0; i < 2; i++)
      await expect(auth.fromAuthorization(`Bearer ${forged}`)).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        message: 'The token is not valid.',
      });
  });
});
