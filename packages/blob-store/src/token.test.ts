import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signToken, urlSigningKey, verifyToken, type TokenPayload } from './token.ts';

const now = 1_700_000_000_000;
const put: TokenPayload = { op: 'put', key: 'a/b.png', exp: now / 1000 + 60, len: 5, type: 'image/png' };

describe('URL tokens', () => {
  const key = randomBytes(32);

  it('round-trips a payload until it expires', () => {
    const token = signToken(key, put);
    expect(verifyToken(key, token, 'put', now)).toEqual({ ok: true, payload: put });
    expect(verifyToken(key, token, 'put', now + 59_999).ok).toBe(true);
    expect(verifyToken(key, token, 'put', now + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses another key, another operation, an edited payload and malformed tokens', () => {
    const token = signToken(key, put);
    expect(verifyToken(randomBytes(32), token, 'put', now)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyToken(key, token, 'get', now)).toEqual({ ok: false, reason: 'operation' });
    const [, sig] = token.split('.');
    const edited = Buffer.from(JSON.stringify({ ...put, len: 5_000_000 })).toString('base64url');
    expect(verifyToken(key, `${edited}.${sig}`, 'put', now)).toEqual({ ok: false, reason: 'signature' });
    for (const bad of ['', '.', 'abc', `${token}.x`, `${token}x`])
      expect(verifyToken(key, bad, 'put', now).ok, bad).toBe(false);
  });

  it('refuses a correctly signed payload of the wrong shape', () => {
    const token = signToken(key, { ...put, key: '../etc/passwd' });
    expect(verifyToken(key, token, 'put', now)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('urlSigningKey', () => {
  it('derives a stable 32-byte key per secret', () => {
    expect(urlSigningKey('s3cret')).toHaveLength(32);
    expect(urlSigningKey('s3cret').equals(urlSigningKey('s3cret'))).toBe(true);
    expect(urlSigningKey('s3cret').equals(urlSigningKey('other'))).toBe(false);
    // Not the secret itself, nor a plain hash of it.
    expect(urlSigningKey('s3cret').toString('utf8')).not.toContain('s3cret');
    expect(() => urlSigningKey('')).toThrow(/empty/);
  });
});
