import { randomUUID } from 'node:crypto';

import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';

import {
  audienceOf,
  MAX_TTL_SECONDS,
  MIN_TTL_SECONDS,
  requireBoundedId,
  requireGrant,
  VOICE_TOKEN_ALG,
  VOICE_TOKEN_TYPE,
  type VoiceGrant,
} from './grant.ts';
import { requirePrivateJwk } from './keys.ts';
import { encodeRights } from './rights.ts';

export interface VoiceTokenSignerOptions {
  /** An Ed25519 private JWK with a `kid` (from generateVoiceKeyPair). */
  privateJwk: JWK;
  /** Who mints the tokens; the verifier accepts only this issuer. */
  issuer: string;
  /** How long a token admits its holder, 5 to 3600 seconds. */
  ttlSeconds: number;
  /** The clock, in milliseconds; tests move it instead of sleeping. */
  now?: () => number;
}

export interface SignedVoiceToken {
  token: string;
  expiresAt: Date;
  /** The token's `jti`, unique per token, for replay guards and audit logs. */
  tokenId: string;
}

export interface VoiceTokenSigner {
  sign(grant: VoiceGrant): Promise<SignedVoiceToken>;
}

export function createVoiceTokenSigner(options: VoiceTokenSignerOptions): VoiceTokenSigner {
  const privateJwk = requirePrivateJwk(options.privateJwk, 'privateJwk').private;
  const issuer = requireBoundedId(options.issuer, 'issuer');
  const { ttlSeconds } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_TTL_SECONDS || ttlSeconds > MAX_TTL_SECONDS) {
    throw new TypeError(`ttlSeconds must be a whole number from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS}`);
  }
  const now = options.now ?? Date.now;
  // Imported on first use: an eager import that failed would reject with nobody awaiting it.
  let key: Promise<CryptoKey> | undefined;

  return {
    async sign(grant) {
      const { userId, channelId, guildId, nodeId, rights } = requireGrant(grant);
      key ??= importJWK(privateJwk, VOICE_TOKEN_ALG);
      const issuedAt = Math.floor(now() / 1000);
      const expiresAt = issuedAt + ttlSeconds;
      const tokenId = randomUUID();
      const token = await new SignJWT({ chn: channelId, gld: guildId, vr: encodeRights(rights) })
        .setProtectedHeader({ alg: VOICE_TOKEN_ALG, typ: VOICE_TOKEN_TYPE, kid: privateJwk.kid })
        .setIssuer(issuer)
        .setSubject(userId)
        .setAudience(audienceOf(nodeId))
        .setJti(tokenId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(await key);
      return { token, expiresAt: new Date(expiresAt * 1000), tokenId };
    },
  };
}
