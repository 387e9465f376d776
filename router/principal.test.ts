import { createIdentitySigner, SESSION_LIVENESS_PATH } from '@gochat/identity';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createJwtAuthenticator } from './principal.ts';

const PUBLIC_URL = 'https://chat.example.test';

/**
 * An accounts role that serves one EdDSA key set, as better-auth's /api/auth/jwks does, and answers
 * session liveness from `liveSessions` (every lookup is counted in `livenessLookups`).
 */
async function keySet(options: { liveSessions?: Set<string>; livenessDown?: boolean } = {}) {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
  const liveSessions = options.liveSessions ?? new Set(['session-1']);
  const livenessLookups: string[] = [];
  const accounts = (request: Request) => {
    const url = new URL(request.url);
    if (url.pathname === SESSION_LIVENESS_PATH) {
      const session = url.searchParams.get('session') ?? '';
      livenessLookups.push(`${url.searchParams.get('user')}/${session}`);
      if (options.livenessDown) return Promise.resolve(new Response('down', { status: 503 }));
      return Promise.resolve(Response.json({ alive: liveSessions.has(session) }));
    }
    return Promise.resolve(Response.json({ keys: [jwk] }));
  };
  const auth = createJwtAuthenticator({
    publicUrl: PUBLIC_URL,
    accounts,
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
  return { auth, token, liveSessions, livenessLookups };
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

  it('refuse a token whose session has ended, at the next check of a remembered token', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1) });
    const { auth, token, liveSessions, livenessLookups } = await keySet();
    const jwt = await token('u1', Date.now() + 3_600_000);
    expect(await auth.fromAuthorization(`Bearer ${jwt}`)).toMatchObject({ sessionId: 'session-1' });
    expect(livenessLookups).toEqual(['u1/session-1']);
    liveSessions.delete('session-1');
    // Remembered: no second lookup within the recheck period.
    expect(await auth.fromAuthorization(`Bearer ${jwt}`)).toMatchObject({ userId: 'u1' });
    expect(livenessLookups).toHaveLength(1);
    vi.advanceTimersByTime(15_000);
    await expect(auth.fromAuthorization(`Bearer ${jwt}`)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'The session has ended. Sign in again.',
    });
    expect(livenessLookups).toHaveLength(2);
  });

  it('refuse a token of an ended session from its first use', async () => {
    const { auth, token } = await keySet({ liveSessions: new Set() });
    const jwt = await token('u1', Date.now() + 3_600_000);
    await expect(auth.fromAuthorization(`Bearer ${jwt}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('accept a validly signed token while session liveness cannot be checked', async () => {
    const { auth, token, livenessLookups } = await keySet({ livenessDown: true });
    const jwt = await token('u1', Date.now() + 3_600_000);
    expect(await auth.fromAuthorization(`Bearer ${jwt}`)).toMatchObject({ userId: 'u1' });
    expect(livenessLookups).toEqual(['u1/session-1']);
  });
});
