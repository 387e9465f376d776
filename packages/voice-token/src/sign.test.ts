import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import type { VoiceGrant } from './grant.ts';
import { generateVoiceKeyPair, type VoiceKeyPair } from './keys.ts';
import { createVoiceTokenSigner } from './sign.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0, 250);
const GRANT: VoiceGrant = { userId: 'u1', channelId: 'c1', guildId: 'g1', nodeId: 'sfu-eu-1' };
let keys: VoiceKeyPair;

beforeAll(async () => {
  keys = await generateVoiceKeyPair('k1');
});

describe('createVoiceTokenSigner', () => {
  it('signs the grant with the documented header and claims', async () => {
    const signer = createVoiceTokenSigner({
      privateJwk: keys.privateJwk,
      issuer: 'gochat-api',
      ttlSeconds: 60,
      now: () => T0,
    });
    const { token, expiresAt, tokenId } = await signer.sign(GRANT);

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'gochat-voice+jwt', kid: 'k1' });
    const iat = Math.floor(T0 / 1000);
    expect(decodeJwt(token)).toEqual({
      iss: 'gochat-api',
      sub: 'u1',
      aud: 'sfu:sfu-eu-1',
      chn: 'c1',
      gld: 'g1',
      jti: tokenId,
      iat,
      exp: iat + 60,
    });
    expect(expiresAt.getTime()).toBe((iat + 60) * 1000);
  });

  it('writes gld: null for a call outside a guild, and a fresh jti per token', async () => {
    const signer = createVoiceTokenSigner({
      privateJwk: keys.privateJwk,
      issuer: 'gochat-api',
      ttlSeconds: 60,
    });
    const one = await signer.sign({ ...GRANT, guildId: null });
    const two = await signer.sign({ ...GRANT, guildId: null });
    expect(decodeJwt(one.token).gld).toBeNull();
    expect(one.tokenId).not.toBe(two.tokenId);
    expect(one.token).not.toBe(two.token);
  });

  it.each([
    ['an empty userId', { ...GRANT, userId: '' }, /userId/],
    ['a 101-character channelId', { ...GRANT, channelId: 'c'.repeat(101) }, /channelId/],
    ['an empty guildId', { ...GRANT, guildId: '' }, /guildId/],
    ['a numeric nodeId', { ...GRANT, nodeId: 7 }, /nodeId/],
    ['a missing channelId', { userId: 'u1', guildId: null, nodeId: 'n1' }, /channelId/],
    ['no grant at all', null, /object/],
  ])('refuses %s with a TypeError', async (_name, grant, message) => {
    const signer = createVoiceTokenSigner({
      privateJwk: keys.privateJwk,
      issuer: 'gochat-api',
      ttlSeconds: 60,
    });
    const signing = signer.sign(grant as VoiceGrant);
    await expect(signing).rejects.toThrow(TypeError);
    await expect(signing).rejects.toThrow(message);
  });

  it('accepts 100-character ids, the longest allowed', async () => {
    const signer = createVoiceTokenSigner({
      privateJwk: keys.privateJwk,
      issuer: 'gochat-api',
      ttlSeconds: 60,
    });
    const long = 'x'.repeat(100);
    const { token } = await signer.sign({ userId: long, channelId: long, guildId: long, nodeId: long });
    expect(decodeJwt(token)).toMatchObject({ sub: long, chn: long, gld: long, aud: `sfu:${long}` });
  });

  it.each([4, 3601, 1.5, Number.NaN])('refuses ttlSeconds %s', (ttlSeconds) => {
    expect(() =>
      createVoiceTokenSigner({ privateJwk: keys.privateJwk, issuer: 'gochat-api', ttlSeconds }),
    ).toThrow(/ttlSeconds/);
  });

  it('accepts ttlSeconds at both bounds', () => {
    for (const ttlSeconds of [5, 3600]) {
      expect(
        createVoiceTokenSigner({ privateJwk: keys.privateJwk, issuer: 'gochat-api', ttlSeconds }),
      ).toHaveProperty('sign');
    }
  });

  it('refuses an empty issuer and a key without its private half', () => {
    expect(() => createVoiceTokenSigner({ privateJwk: keys.privateJwk, issuer: '', ttlSeconds: 60 })).toThrow(
      /issuer/,
    );
    expect(() =>
      createVoiceTokenSigner({ privateJwk: keys.publicJwk, issuer: 'gochat-api', ttlSeconds: 60 }),
    ).toThrow(/private key/);
  });
});
