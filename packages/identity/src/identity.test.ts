import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';

import { IdentityError, createIdentitySigner, createIdentityVerifier } from './identity.ts';

const SECRET = 'a'.repeat(32);

describe('router identity tokens', () => {
  const signer = createIdentitySigner(SECRET);
  const verifier = createIdentityVerifier(SECRET);

  it('round-trip each identity kind', async () => {
    for (const identity of [
      { kind: 'user', userId: '42', sessionId: 's1', ip: '10.0.0.1' },
      { kind: 'anonymous', ip: '10.0.0.2' },
      { kind: 'scope', scope: { channelId: '7' } },
    ] as const) {
      expect(await verifier.verify(await signer.sign(identity))).toEqual(identity);
    }
  });

  it('refuse a missing token', async () => {
    await expect(verifier.verify(undefined)).rejects.toThrow(IdentityError);
    await expect(verifier.verify('')).rejects.toThrow('missing');
  });

  it('refuse a token signed with another secret', async () => {
    const forged = await createIdentitySigner('b'.repeat(32)).sign({ kind: 'user', userId: '1' });
    await expect(verifier.verify(forged)).rejects.toThrow('not valid');
  });

  it('refuse a token whose payload was edited', async () => {
    const token = await signer.sign({ kind: 'user', userId: '1' });
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(
      JSON.stringify({ id: { kind: 'user', userId: '2' }, iss: 'gochat:router', aud: 'gochat:subgraphs' }),
    ).toString('base64url');
    await expect(verifier.verify(`${header}.${payload}.${signature}`)).rejects.toThrow('not valid');
  });

  it('refuse an unsigned (alg none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ id: { kind: 'user', userId: '1' } })).toString('base64url');
    await expect(verifier.verify(`${header}.${payload}.`)).rejects.toThrow(IdentityError);
  });

  it('refuse an expired token', async () => {
    const expired = await new SignJWT({ id: { kind: 'user', userId: '1' } })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('gochat:router')
      .setAudience('gochat:subgraphs')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(SECRET));
    await expect(verifier.verify(expired)).rejects.toThrow('expired');
  });

  it('refuse a valid signature over an unknown identity shape', async () => {
    const odd = await new SignJWT({ id: { kind: 'admin' } })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('gochat:router')
      .setAudience('gochat:subgraphs')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(SECRET));
    await expect(verifier.verify(odd)).rejects.toThrow('unknown shape');
  });
});
