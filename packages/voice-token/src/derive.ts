import { createHash, createPrivateKey, hkdfSync } from 'node:crypto';

import { VOICE_TOKEN_ALG } from './grant.ts';
import type { VoiceKeyPair, VoicePublicJwk } from './keys.ts';

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): node imports the seed this way.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The key pair every process holding `secret` derives alike (HKDF-SHA256). For a single machine or
 * a deployment without separate keys: whoever holds the secret can also sign, so deployments whose
 * SFU nodes must not mint tokens configure a generated pair instead (generateVoiceKeyPair).
 */
export function deriveVoiceKeyPair(secret: string): VoiceKeyPair {
  if (secret.length < 32)
    throw new TypeError('the secret to derive a voice key from must be at least 32 characters');
  const seed = Buffer.from(hkdfSync('sha256', secret, 'gochat', 'gochat voice token signing key', 32));
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const { x, d } = key.export({ format: 'jwk' });
  if (!x || !d) throw new Error('Ed25519 key export returned no key material');
  const kid = `derived-${createHash('sha256').update(x).digest('base64url').slice(0, 16)}`;
  const publicJwk: VoicePublicJwk = { kty: 'OKP', crv: 'Ed25519', x, kid, alg: VOICE_TOKEN_ALG, use: 'sig' };
  return { privateJwk: { ...publicJwk, d }, publicJwk };
}
