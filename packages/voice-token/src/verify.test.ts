import { base64url, exportSPKI, importJWK, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { VoiceTokenError, type VoiceTokenErrorCode } from './errors.ts';
import type { VoiceGrant } from './grant.ts';
import { generateVoiceKeyPair, type VoiceKeyPair } from './keys.ts';
import { createReplayGuard } from './replay.ts';
import type { VoiceRights } from './rights.ts';
import { createVoiceTokenSigner, type VoiceTokenSigner } from './sign.ts';
import { createVoiceTokenVerifier, type VoiceTokenVerifierOptions } from './verify.ts';

const ISSUER = 'gochat-api';
const NODE = 'sfu-eu-1';
const TTL = 60;
// On a whole second, so `exp * 1000` is exactly T0 + TTL * 1000.
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const EXPIRY = T0 + TTL * 1000;
const RIGHTS: VoiceRights = {
  speak: true,
  stream: true,
  serverMute: false,
  serverDeaf: false,
  bitrate: 96_000,
  userLimit: 10,
  bypassUserLimit: false,
};
const GRANT: VoiceGrant = { userId: 'u1', channelId: 'c1', guildId: 'g1', nodeId: NODE, rights: RIGHTS };

let keys: VoiceKeyPair;
let signer: VoiceTokenSigner;

beforeAll(async () => {
  keys = await generateVoiceKeyPair('k1');
  signer = signerOf(keys.privateJwk);
});

/** A signer with the suite's issuer, lifetime and clock, using `privateJwk`. */
function signerOf(privateJwk: VoiceKeyPair['privateJwk']) {
  return createVoiceTokenSigner({ privateJwk, issuer: ISSUER, ttlSeconds: TTL, now: () => T0 });
}

function verifierAt(at: number, options: Partial<VoiceTokenVerifierOptions> = {}) {
  return createVoiceTokenVerifier({
    publicJwks: [keys.publicJwk],
    issuer: ISSUER,
    nodeId: NODE,
    now: () => at,
    ...options,
  });
}

/** The refusal `promise` ends with; fails the test on success or on any other kind of error. */
async function refusal(promise: Promise<unknown>): Promise<VoiceTokenError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(VoiceTokenError);
  return error as VoiceTokenError;
}

async function expectRefused(promise: Promise<unknown>, code: VoiceTokenErrorCode): Promise<void> {
  expect((await refusal(promise)).code).toBe(code);
}

/** A token over any claims and header, signed with our real private key. */
async function signRaw(payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const iat = Math.floor(T0 / 1000);
  return new SignJWT({
    iss: ISSUER,
    sub: 'u1',
    aud: `sfu:${NODE}`,
    chn: 'c1',
    gld: 'g1',
    vr: [3, 96_000, 10],
    jti: 'j1',
    iat,
    exp: iat + TTL,
    ...payload,
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'gochat-voice+jwt', kid: 'k1', ...header })
    .sign(await importJWK(keys.privateJwk, 'EdDSA'));
}

function segments(token: string): [string, string, string] {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return [header, payload, signature];
}

describe('createVoiceTokenVerifier', () => {
  it('returns the grant a token was signed with', async () => {
    const { token, tokenId, expiresAt } = await signer.sign(GRANT);
    const verified = await verifierAt(T0).verify(token, { channelId: 'c1' });
    expect(verified).toEqual({ ...GRANT, tokenId, expiresAt });
    expect(expiresAt.getTime()).toBe(EXPIRY);
  });

  it('returns the rights exactly as they were signed, every flag on its own and all together', async () => {
    const variants: VoiceRights[] = [
      { ...RIGHTS, speak: false, stream: false },
      { ...RIGHTS, speak: true, stream: false },
      { ...RIGHTS, speak: false, stream: true },
      { ...RIGHTS, serverMute: true },
      { ...RIGHTS, serverDeaf: true },
      { ...RIGHTS, bypassUserLimit: true },
      {
        speak: true,
        stream: true,
        serverMute: true,
        serverDeaf: true,
        bitrate: 384_000,
        userLimit: 99,
        bypassUserLimit: true,
      },
      { ...RIGHTS, bitrate: 8000, userLimit: 0 },
    ];
    for (const rights of variants) {
      const { token } = await signer.sign({ ...GRANT, rights });
      expect((await verifierAt(T0).verify(token)).rights).toEqual(rights);
    }
  });

  it('accepts a hand-signed vr claim at its bounds', async () => {
    const verified = await verifierAt(T0).verify(await signRaw({ vr: [31, 384_000, 99] }));
    expect(verified.rights).toEqual({
      speak: true,
      stream: true,
      serverMute: true,
      serverDeaf: true,
      bitrate: 384_000,
      userLimit: 99,
      bypassUserLimit: true,
    });
  });

  it('returns guildId null for a call outside a guild', async () => {
    const { token } = await signer.sign({ ...GRANT, guildId: null });
    expect((await verifierAt(T0).verify(token)).guildId).toBeNull();
  });

  it('refuses a token signed by another key pair under our kid (a forgery)', async () => {
    const forger = await generateVoiceKeyPair('k1');
    const forged = signerOf(forger.privateJwk);
    const { token } = await forged.sign(GRANT);
    await expectRefused(verifierAt(T0).verify(token), 'invalid-signature');
  });

  it('refuses a token signed with a key it does not know', async () => {
    const stranger = await generateVoiceKeyPair('k-unknown');
    const other = signerOf(stranger.privateJwk);
    const { token } = await other.sign(GRANT);
    await expectRefused(verifierAt(T0).verify(token), 'invalid-signature');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const { token } = await signer.sign(GRANT);
    const [header, payload, signature] = segments(token);
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as JWTPayload;
    const tampered = base64url.encode(
      JSON.stringify({ ...claims, chn: 'c-admin', exp: (claims.exp ?? 0) + 86_400 }),
    );
    await expectRefused(verifierAt(T0).verify(`${header}.${tampered}.${signature}`), 'invalid-signature');
  });

  it('refuses a token whose signature was changed', async () => {
    const { token } = await signer.sign(GRANT);
    const [header, payload, signature] = segments(token);
    const flipped = (signature.startsWith('A') ? 'B' : 'A') + signature.slice(1);
    await expectRefused(verifierAt(T0).verify(`${header}.${payload}.${flipped}`), 'invalid-signature');
  });

  it('refuses alg none, with or without a signature segment', async () => {
    const iat = Math.floor(T0 / 1000);
    const unsecured = new UnsecuredJWT({ chn: 'c1', gld: 'g1' })
      .setIssuer(ISSUER)
      .setSubject('u1')
      .setAudience(`sfu:${NODE}`)
      .setJti('j1')
      .setIssuedAt(iat)
      .setExpirationTime(iat + TTL)
      .encode();
    // jose writes `alg: none` without typ or kid; add both so only the algorithm is wrong.
    const [, payload] = segments(unsecured);
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'gochat-voice+jwt', kid: 'k1' }));
    await expectRefused(verifierAt(T0).verify(unsecured), 'malformed');
    await expectRefused(verifierAt(T0).verify(`${header}.${payload}.`), 'malformed');
    await expectRefused(verifierAt(T0).verify(`${header}.${payload}.c2lnbmF0dXJl`), 'invalid-signature');
  });

  it('refuses HS256 keyed with the public key (algorithm confusion)', async () => {
    const publicKey = await importJWK(keys.publicJwk, 'EdDSA');
    const secrets = [
      base64url.decode(keys.publicJwk.x),
      new TextEncoder().encode(JSON.stringify(keys.publicJwk)),
      new TextEncoder().encode(await exportSPKI(publicKey)),
    ];
    const iat = Math.floor(T0 / 1000);
    for (const secret of secrets) {
      const token = await new SignJWT({ chn: 'c1', gld: 'g1' })
        .setProtectedHeader({ alg: 'HS256', typ: 'gochat-voice+jwt', kid: 'k1' })
        .setIssuer(ISSUER)
        .setSubject('u1')
        .setAudience(`sfu:${NODE}`)
        .setJti('j1')
        .setIssuedAt(iat)
        .setExpirationTime(iat + TTL)
        .sign(secret);
      await expectRefused(verifierAt(T0).verify(token), 'invalid-signature');
    }
  });

  it('refuses an expired token, but accepts one just within the clock tolerance', async () => {
    const { token } = await signer.sign(GRANT);
    await expect(verifierAt(EXPIRY - 1).verify(token)).resolves.toMatchObject({ userId: 'u1' });
    await expect(verifierAt(EXPIRY + 5000 - 1).verify(token)).resolves.toMatchObject({ userId: 'u1' });
    await expectRefused(verifierAt(EXPIRY + 5000).verify(token), 'expired');
    await expectRefused(verifierAt(EXPIRY, { clockToleranceSeconds: 0 }).verify(token), 'expired');
    await expect(
      verifierAt(EXPIRY + 30_000, { clockToleranceSeconds: 60 }).verify(token),
    ).resolves.toBeDefined();
  });

  it("refuses another node's token", async () => {
    const { token } = await signer.sign({ ...GRANT, nodeId: 'sfu-us-1' });
    await expectRefused(verifierAt(T0).verify(token), 'wrong-node');
  });

  it('refuses a token naming several audiences, ours among them', async () => {
    const token = await signRaw({ aud: [`sfu:${NODE}`, 'sfu:sfu-us-1'] });
    await expectRefused(verifierAt(T0).verify(token), 'wrong-node');
  });

  it('refuses a token for another channel than the one asked for', async () => {
    const { token } = await signer.sign(GRANT);
    await expectRefused(verifierAt(T0).verify(token, { channelId: 'c2' }), 'wrong-channel');
    await expect(verifierAt(T0).verify(token, { channelId: 'c1' })).resolves.toMatchObject({
      channelId: 'c1',
    });
  });

  it('refuses a token from another issuer', async () => {
    const rogue = createVoiceTokenSigner({
      privateJwk: keys.privateJwk,
      issuer: 'staging-api',
      ttlSeconds: TTL,
      now: () => T0,
    });
    const { token } = await rogue.sign(GRANT);
    await expectRefused(verifierAt(T0).verify(token), 'wrong-issuer');
  });

  it('refuses a token of another type, even signed with our key', async () => {
    await expectRefused(verifierAt(T0).verify(await signRaw({}, { typ: 'JWT' })), 'wrong-type');
    await expectRefused(verifierAt(T0).verify(await signRaw({}, { typ: undefined })), 'wrong-type');
  });

  it.each<[string, JWTPayload]>([
    ['no chn', { chn: undefined }],
    ['no gld', { gld: undefined }],
    ['a numeric gld', { gld: 7 }],
    ['an empty sub', { sub: '' }],
    ['no exp', { exp: undefined }],
    ['no jti', { jti: undefined }],
    ['a fractional exp', { exp: Math.floor(T0 / 1000) + 30.5 }],
    ['a lifetime longer than any signer grants', { exp: Math.floor(T0 / 1000) + 7200 }],
    ['no vr', { vr: undefined }],
    ['a vr that is an object', { vr: { speak: true, stream: true, bitrate: 96_000, userLimit: 10 } }],
    ['a vr of two numbers', { vr: [3, 96_000] }],
    ['a vr of four numbers', { vr: [3, 96_000, 10, 0] }],
    ['a vr with an unknown flag', { vr: [32, 96_000, 10] }],
    ['a vr with negative flags', { vr: [-1, 96_000, 10] }],
    ['a vr with fractional flags', { vr: [1.5, 96_000, 10] }],
    ['a vr with flags as a string', { vr: ['3', 96_000, 10] }],
    ['a vr bitrate below 8000', { vr: [3, 7999, 10] }],
    ['a vr bitrate above 384000', { vr: [3, 384_001, 10] }],
    ['a vr user limit of 100', { vr: [3, 96_000, 100] }],
    ['a vr user limit of null', { vr: [3, 96_000, null] }],
  ])('refuses a signed token with %s as malformed', async (_name, claims) => {
    await expectRefused(verifierAt(T0).verify(await signRaw(claims)), 'malformed');
  });

  it('says which claim was wrong for bad rights, without echoing the claim', async () => {
    const error = await refusal(verifierAt(T0).verify(await signRaw({ vr: [64, 96_000, 10] })));
    expect(error.code).toBe('malformed');
    expect(error.message).toBe('voice token rights are missing or ill-typed');
    expect(error.message).not.toContain('64');
  });

  it('accepts tokens of both keys during a rotation, and no others', async () => {
    const next = await generateVoiceKeyPair('k2');
    const nextSigner = signerOf(next.privateJwk);
    const verifier = verifierAt(T0, { publicJwks: [keys.publicJwk, next.publicJwk] });
    await expect(verifier.verify((await signer.sign(GRANT)).token)).resolves.toMatchObject({ userId: 'u1' });
    await expect(
      verifier.verify((await nextSigner.sign({ ...GRANT, userId: 'u2' })).token),
    ).resolves.toMatchObject({
      userId: 'u2',
    });
    const stranger = await generateVoiceKeyPair('k3');
    const strangerSigner = signerOf(stranger.privateJwk);
    await expectRefused(verifier.verify((await strangerSigner.sign(GRANT)).token), 'invalid-signature');
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { token: 'x' }],
    ['an empty string', ''],
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['three empty segments', '..'],
    ['a header that is not JSON', 'bm90IGpzb24.e30.c2ln'],
    ['a header that is a JSON array', `${base64url.encode('[]')}.e30.c2ln`],
    ['a 10 000-character string', 'x'.repeat(10_000)],
    ['a 10 000-character compact JWS', `${'a'.repeat(5000)}.${'b'.repeat(4998)}.c`],
  ])('refuses %s as malformed, with a VoiceTokenError', async (_name, input) => {
    await expectRefused(verifierAt(T0).verify(input), 'malformed');
  });

  it('refuses a second use of a token when given a replay guard', async () => {
    const guard = createReplayGuard({ now: () => T0 });
    const verifier = verifierAt(T0, { replayGuard: guard });
    const first = await signer.sign(GRANT);
    const second = await signer.sign(GRANT);
    await expect(verifier.verify(first.token)).resolves.toMatchObject({ tokenId: first.tokenId });
    await expectRefused(verifier.verify(first.token), 'replayed');
    await expect(verifier.verify(second.token)).resolves.toMatchObject({ tokenId: second.tokenId });
  });

  it('remembers a used token through the clock tolerance after it expires', async () => {
    let at = T0;
    const guard = createReplayGuard({ now: () => at });
    const verifier = createVoiceTokenVerifier({
      publicJwks: [keys.publicJwk],
      issuer: ISSUER,
      nodeId: NODE,
      now: () => at,
      replayGuard: guard,
    });
    const { token } = await signer.sign(GRANT);
    await verifier.verify(token);
    at = EXPIRY + 4000;
    await expectRefused(verifier.verify(token), 'replayed');
    at = EXPIRY + 5000;
    await expectRefused(verifier.verify(token), 'expired');
  });

  it('never puts the token, or any part of it, in an error', async () => {
    const { token } = await signer.sign(GRANT);
    const [header, payload, signature] = segments(token);
    const forger = await generateVoiceKeyPair('k1');
    const forgedToken = (await signerOf(forger.privateJwk).sign(GRANT)).token;
    const tampered = `${header}.${payload}x.${signature}`;
    const shuffled = `${payload}.${header}.${signature}`;
    const cases: [string, () => Promise<unknown>][] = [
      [token, () => verifierAt(EXPIRY + 60_000).verify(token)],
      [token, () => verifierAt(T0, { nodeId: 'other' }).verify(token)],
      [token, () => verifierAt(T0).verify(token, { channelId: 'c2' })],
      [token, () => verifierAt(T0, { issuer: 'other' }).verify(token)],
      [tampered, () => verifierAt(T0).verify(tampered)],
      [forgedToken, () => verifierAt(T0).verify(forgedToken)],
      [shuffled, () => verifierAt(T0).verify(shuffled)],
      ['x'.repeat(5000), () => verifierAt(T0).verify('x'.repeat(5000))],
    ];
    for (const [input, verify] of cases) {
      const error = await refusal(verify());
      const text = `${String(error)} ${error.stack ?? ''} ${JSON.stringify(error)}`;
      expect(error.cause).toBeUndefined();
      for (const part of [input, ...input.split('.')].filter((piece) => piece.length >= 8)) {
        expect(text).not.toContain(part);
      }
      expect(text).not.toContain(signature);
      expect(text).not.toContain(payload);
    }
  });

  it('refuses a private key, duplicate kids, an empty key list and a bad tolerance at construction', async () => {
    const other = await generateVoiceKeyPair('k1');
    const base = { issuer: ISSUER, nodeId: NODE };
    expect(() => createVoiceTokenVerifier({ ...base, publicJwks: [keys.privateJwk] })).toThrow(/private key/);
    expect(() =>
      createVoiceTokenVerifier({ ...base, publicJwks: [keys.publicJwk, other.publicJwk] }),
    ).toThrow(/twice/);
    expect(() => createVoiceTokenVerifier({ ...base, publicJwks: [] })).toThrow(/at least one/);
    expect(() =>
      createVoiceTokenVerifier({ ...base, publicJwks: [keys.publicJwk], clockToleranceSeconds: -1 }),
    ).toThrow(/clockToleranceSeconds/);
    expect(() => createVoiceTokenVerifier({ ...base, publicJwks: [keys.publicJwk], nodeId: '' })).toThrow(
      /nodeId/,
    );
  });
});
