import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import type { VoiceGrant } from './grant.ts';
import { generateVoiceKeyPair, type VoiceKeyPair } from './keys.ts';
import type { VoiceRights } from './rights.ts';
import { createVoiceTokenSigner } from './sign.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0, 250);
const RIGHTS: VoiceRights = {
  speak: true,
  stream: false,
  serverMute: false,
  serverDeaf: false,
  bitrate: 64_000,
  userLimit: 0,
  bypassUserLimit: false,
};
const GRANT: VoiceGrant = {
  userId: 'u1',
  channelId: 'c1',
  guildId: 'g1',
  nodeId: 'sfu-eu-1',
  rights: RIGHTS,
};
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
      vr: [1, 64_000, 0],
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
    ['a missing channelId', { userId: 'u1', guildId: null, nodeId: 'n1', rights: RIGHTS }, /channelId/],
    ['no grant at all', null, /object/],
    ['no rights', { ...GRANT, rights: undefined }, /rights must be an object/],
    ['rights that are an array', { ...GRANT, rights: [1, 64_000, 0] }, /rights must be an object/],
    ['a missing right', { ...GRANT, rights: { ...RIGHTS, stream: undefined } }, /rights\.stream/],
    ['a right given as a number', { ...GRANT, rights: { ...RIGHTS, speak: 1 } }, /rights\.speak/],
    ['serverDeaf as a string', { ...GRANT, rights: { ...RIGHTS, serverDeaf: 'no' } }, /rights\.serverDeaf/],
    ['an unknown right', { ...GRANT, rights: { ...RIGHTS, administrator: true } }, /unknown member/],
    ['a bitrate of 7999', { ...GRANT, rights: { ...RIGHTS, bitrate: 7999 } }, /rights\.bitrate/],
    ['a bitrate of 384001', { ...GRANT, rights: { ...RIGHTS, bitrate: 384_001 } }, /rights\.bitrate/],
    ['a fractional bitrate', { ...GRANT, rights: { ...RIGHTS, bitrate: 64_000.5 } }, /rights\.bitrate/],
    ['a user limit of 100', { ...GRANT, rights: { ...RIGHTS, userLimit: 100 } }, /rights\.userLimit/],
    ['a negative user limit', { ...GRANT, rights: { ...RIGHTS, userLimit: -1 } }, /rights\.userLimit/],
    ['a user limit as a string', { ...GRANT, rights: { ...RIGHTS, userLimit: '5' } }, /rights\.userLimit/],
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
    const { token } = await signer.sign({
      userId: long,
      channelId: long,
      guildId: long,
      nodeId: long,
      rights: RIGHTS,
    });
    expect(decodeJwt(token)).toMatchObject({ sub: long, chn: long, gld: long, aud: `sfu:${long}` });
  });

  it('writes every right into the vr claim as flags, bitrate and user limit', async () => {
    const signer = createVoiceTokenSigner({
      privateJwk: keys.privateJwk,
      issuer: 'gochat-api',
      ttlSeconds: 60,
    });
    const cases: Array<[VoiceRights, [number, number, number]]> = [
      [{ ...RIGHTS, speak: false, bitrate: 8000, userLimit: 0 }, [0, 8000, 0]],
      [
        {
          speak: true,
          stream: true,
          serverMute: true,
          serverDeaf: true,
          bitrate: 384_000,
          userLimit: 99,
          bypassUserLimit: true,
        },
        [31, 384_000, 99],
      ],
      [{ ...RIGHTS, speak: false, stream: true }, [2, 64_000, 0]],
      [{ ...RIGHTS, serverMute: true }, [5, 64_000, 0]],
      [{ ...RIGHTS, serverDeaf: true, userLimit: 5 }, [9, 64_000, 5]],
      [{ ...RIGHTS, bypassUserLimit: true, userLimit: 2 }, [17, 64_000, 2]],
    ];
    for (const [rights, claim] of cases) {
      const { token } = await signer.sign({ ...GRANT, rights });
      expect(decodeJwt(token).vr).toEqual(claim);
    }
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
