import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';

import { generateVoiceKeyPair, publicJwkOf } from './keys.ts';

describe('generateVoiceKeyPair', () => {
  it('makes an Ed25519 pair whose public half has no private material', async () => {
    const { privateJwk, publicJwk } = await generateVoiceKeyPair('voice-2025-01');
    expect(privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: 'voice-2025-01' });
    expect(privateJwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(publicJwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: privateJwk.x,
      kid: 'voice-2025-01',
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(publicJwk).not.toHaveProperty('d');
  });

  it('names the key by its thumbprint when no kid is given, and never reuses a key', async () => {
    const one = await generateVoiceKeyPair();
    const two = await generateVoiceKeyPair();
    expect(one.publicJwk.kid).toBe(
      await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: one.publicJwk.x }),
    );
    expect(one.publicJwk.x).not.toBe(two.publicJwk.x);
    expect(one.publicJwk.kid).not.toBe(two.publicJwk.kid);
  });

  it('refuses an empty or overlong kid', async () => {
    await expect(generateVoiceKeyPair('')).rejects.toThrow(TypeError);
    await expect(generateVoiceKeyPair('k'.repeat(101))).rejects.toThrow(TypeError);
  });
});

describe('publicJwkOf', () => {
  it('drops d and anything else that is not a public member', async () => {
    const { privateJwk, publicJwk } = await generateVoiceKeyPair('k1');
    const withExtras = { ...privateJwk, key_ops: ['sign'], ext: true };
    expect(publicJwkOf(withExtras)).toEqual(publicJwk);
  });

  it('refuses keys that are not Ed25519 private keys with a kid', async () => {
    const { privateJwk, publicJwk } = await generateVoiceKeyPair('k1');
    expect(() => publicJwkOf(publicJwk)).toThrow(/private key/);
    expect(() => publicJwkOf({ ...privateJwk, kid: undefined })).toThrow(/kid/);
    expect(() => publicJwkOf({ ...privateJwk, crv: 'X25519' })).toThrow(/Ed25519/);
    expect(() => publicJwkOf({ kty: 'oct', k: 'c2VjcmV0', kid: 'k1' })).toThrow(TypeError);
    expect(() => publicJwkOf({ ...privateJwk, alg: 'ES256' })).toThrow(/EdDSA/);
  });
});
