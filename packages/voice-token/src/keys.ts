import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

import { requireBoundedId, VOICE_TOKEN_ALG } from './grant.ts';

/** What the SFU holds: enough to verify, nothing to sign with. */
export interface VoicePublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/** What the API holds. Never hand it to an SFU node. */
export interface VoicePrivateJwk extends VoicePublicJwk {
  d: string;
}

export interface VoiceKeyPair {
  privateJwk: VoicePrivateJwk;
  publicJwk: VoicePublicJwk;
}

// An Ed25519 key, public or private, is 32 bytes: 43 base64url characters without padding.
const ED25519_KEY_BYTES = /^[A-Za-z0-9_-]{43}$/;

/**
 * A new Ed25519 key pair. Without `kid`, the key is named by its RFC 7638 thumbprint, which is
 * stable and unique to the key, so two deployments cannot pick the same name by accident.
 */
export async function generateVoiceKeyPair(kid?: string): Promise<VoiceKeyPair> {
  if (kid !== undefined) requireBoundedId(kid, 'kid');
  const { privateKey } = await generateKeyPair(VOICE_TOKEN_ALG, { crv: 'Ed25519', extractable: true });
  const { x, d } = await exportJWK(privateKey);
  if (x === undefined || d === undefined) throw new Error('Ed25519 key export returned no key material');
  const name = kid ?? (await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x }));
  const publicJwk: VoicePublicJwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    x,
    kid: name,
    alg: VOICE_TOKEN_ALG,
    use: 'sig',
  };
  return { privateJwk: { ...publicJwk, d }, publicJwk };
}

/**
 * The public half of a private voice JWK. Only the public members are copied (not `key_ops`,
 * `ext` or anything else the private JWK picked up), so the result is safe to publish.
 */
export function publicJwkOf(privateJwk: JWK): VoicePublicJwk {
  return requirePrivateJwk(privateJwk, 'privateJwk').public;
}

export function requirePublicJwk(jwk: unknown, what: string): VoicePublicJwk {
  if (typeof jwk !== 'object' || jwk === null) throw new TypeError(`${what} must be a JWK object`);
  const { kty, crv, x, kid, alg, use } = jwk as Record<string, unknown>;
  if (kty !== 'OKP' || crv !== 'Ed25519') throw new TypeError(`${what} must be an Ed25519 (OKP) key`);
  if (typeof x !== 'string' || !ED25519_KEY_BYTES.test(x))
    throw new TypeError(`${what}.x is not an Ed25519 key`);
  if (alg !== undefined && alg !== VOICE_TOKEN_ALG) throw new TypeError(`${what}.alg must be EdDSA`);
  if (use !== undefined && use !== 'sig') throw new TypeError(`${what}.use must be "sig"`);
  return {
    kty: 'OKP',
    crv: 'Ed25519',
    x,
    kid: requireBoundedId(kid, `${what}.kid`),
    alg: VOICE_TOKEN_ALG,
    use: 'sig',
  };
}

export function requirePrivateJwk(
  jwk: unknown,
  what: string,
): { private: VoicePrivateJwk; public: VoicePublicJwk } {
  const publicJwk = requirePublicJwk(jwk, what);
  const { d } = jwk as Record<string, unknown>;
  if (typeof d !== 'string' || !ED25519_KEY_BYTES.test(d)) {
    throw new TypeError(`${what} must be a private key (its "d" is missing or not an Ed25519 key)`);
  }
  return { private: { ...publicJwk, d }, public: publicJwk };
}
