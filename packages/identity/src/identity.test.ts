import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';

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

  describe('reuse (docs/decisions/0036-router-request-floor.md)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('sign one identity once per 30 seconds, each identity apart', async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1) });
      const fresh = createIdentitySigner(SECRET);
      const first = await fresh.sign({ kind: 'user', userId: '1', ip: '10.0.0.1' });
      expect(await fresh.sign({ kind: 'user', userId: '1', ip: '10.0.0.1' })).toBe(first);
      expect(await fresh.sign({ kind: 'user', userId: '1', ip: '10.0.0.2' })).not.toBe(first);
      expect(await fresh.sign({ kind: 'user', userId: '2', ip: '10.0.0.1' })).not.toBe(first);
      vi.advanceTimersByTime(29_000);
      expect(await fresh.sign({ kind: 'user', userId: '1', ip: '10.0.0.1' })).toBe(first);
      vi.advanceTimersByTime(1_000);
      const renewed = await fresh.sign({ kind: 'user', userId: '1', ip: '10.0.0.1' });
      expect(renewed).not.toBe(first);
      // A reused token always has at least half of its 60 seconds left at the subgraph.
      vi.advanceTimersByTime(29_000);
      expect(await verifier.verify(await fresh.sign({ kind: 'user', userId: '1', ip: '10.0.0.1' }))).toEqual({
        kind: 'user',
        userId: '1',
        ip: '10.0.0.1',
      });
    });

    it('refuse a token verified before once it has expired', async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1) });
      const fresh = createIdentityVerifier(SECRET);
      const token = await createIdentitySigner(SECRET).sign({ kind: 'user', userId: '1' });
      expect(await fresh.verify(token)).toEqual({ kind: 'user', userId: '1' });
      vi.advanceTimersByTime(59_000);
      expect(await fresh.verify(token)).toEqual({ kind: 'user', userId: '1' });
      vi.advanceTimersByTime(1_000);
      await expect(fresh.verify(token)).rejects.toThrow('expired');
    });

    it('never remember a refused token', async () => {
      const fresh = createIdentityVerifier(SECRET);
      const forged = await createIdentitySigner('b'.repeat(32)).sign({ kind: 'user', userId: '3' });
      await expect(fresh.verify(forged)).rejects.toThrow('not valid');
      await expect(fresh.verify(forged)).rejects.toThrow('not valid');
    });
  });
});
