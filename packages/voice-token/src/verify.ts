import {
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

import { VoiceTokenError } from './errors.ts';
import {
  audienceOf,
  isBoundedId,
  MAX_TTL_SECONDS,
  requireBoundedId,
  VOICE_TOKEN_ALG,
  VOICE_TOKEN_TYPE,
  type VoiceGrant,
} from './grant.ts';
import { requirePublicJwk, type VoicePublicJwk } from './keys.ts';
import type { ReplayGuard } from './replay.ts';
import { decodeRights, type VoiceRights } from './rights.ts';

export interface VoiceTokenVerifierOptions {
  /**
   * Public keys the tokens may be signed with, told apart by `kid`. During a key rotation, list the
   * old key and the new one until the old key's last token has expired.
   */
  publicJwks: readonly JWK[];
  /** The only issuer accepted. */
  issuer: string;
  /** This SFU node: tokens for any other node are refused. */
  nodeId: string;
  /** Clock skew allowed between the API and this node, in seconds (5). */
  clockToleranceSeconds?: number;
  /** The clock, in milliseconds; tests move it instead of sleeping. */
  now?: () => number;
  /** Refuses a token's second use. Give it the same clock as the verifier. */
  replayGuard?: Pick<ReplayGuard, 'admit'>;
}

export interface VoiceTokenExpectation {
  /** The channel the holder asks to join; a token for another channel is refused. */
  channelId?: string;
}

export interface VerifiedVoiceToken extends VoiceGrant {
  /** The token's `jti`: unique per token, so it names the voice session the token opens. */
  tokenId: string;
  expiresAt: Date;
}

export interface VoiceTokenVerifier {
  /** The grant in `token`, or a VoiceTokenError saying why it is refused. Throws nothing else. */
  verify(token: unknown, expect?: VoiceTokenExpectation): Promise<VerifiedVoiceToken>;
}

/**
 * Ours are about 500 characters, under 1 000 with the longest ids; the cap stops a client from
 * making us parse megabytes.
 */
const MAX_TOKEN_LENGTH = 4096;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_CLOCK_TOLERANCE_SECONDS = 300;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

function refuse(code: VoiceTokenError['code'], message: string): VoiceTokenError {
  return new VoiceTokenError(code, message);
}

export function createVoiceTokenVerifier(options: VoiceTokenVerifierOptions): VoiceTokenVerifier {
  const keys = readKeys(options.publicJwks);
  const issuer = requireBoundedId(options.issuer, 'issuer');
  const audience = audienceOf(requireBoundedId(options.nodeId, 'nodeId'));
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new TypeError(`clockToleranceSeconds must be from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`);
  }
  const now = options.now ?? Date.now;
  const { replayGuard } = options;
  // Imported on first use, per kid: an eager import that failed would reject with nobody awaiting it.
  const imported = new Map<string, Promise<CryptoKey>>();

  function keyFor(kid: string): Promise<CryptoKey> | undefined {
    const jwk = keys.get(kid);
    if (jwk === undefined) return undefined;
    let key = imported.get(kid);
    if (key === undefined) {
      key = importJWK(jwk, VOICE_TOKEN_ALG);
      imported.set(kid, key);
    }
    return key;
  }

  return {
    async verify(token, expect = {}) {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
        throw refuse('malformed', `voice token must be a string of 1 to ${MAX_TOKEN_LENGTH} characters`);
      }
      if (!COMPACT_JWS.test(token)) throw refuse('malformed', 'voice token is not a compact JWS');

      // The header is not authenticated yet. It only picks the key; the algorithm is pinned here
      // and again in jwtVerify, so neither `none` nor an HMAC keyed with the public key gets through.
      const { alg, kid } = readHeader(token);
      if (alg !== VOICE_TOKEN_ALG) throw refuse('invalid-signature', 'voice token is not signed with EdDSA');
      if (typeof kid !== 'string') throw refuse('malformed', 'voice token names no key');
      const key = keyFor(kid);
      if (key === undefined) throw refuse('invalid-signature', 'voice token is signed with an unknown key');

      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await key, {
          algorithms: [VOICE_TOKEN_ALG],
          typ: VOICE_TOKEN_TYPE,
          issuer,
          audience,
          clockTolerance: tolerance,
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'jti', 'iat', 'exp', 'chn', 'gld', 'vr'],
        }));
      } catch (error) {
        throw refusalOf(error);
      }

      // jose accepts an audience array that merely contains ours; we never sign one, so a token
      // naming several nodes is not ours to honour.
      if (payload.aud !== audience) throw refuse('wrong-node', 'voice token is for another SFU node');
      const claims = readClaims(payload);
      if (expect.channelId !== undefined && claims.chn !== expect.channelId) {
        throw refuse('wrong-channel', 'voice token is for another channel');
      }
      // Remembered until the verifier itself stops accepting the token, tolerance included;
      // forgetting it at `exp` would open a replay window as wide as the tolerance.
      if (
        replayGuard !== undefined &&
        !replayGuard.admit(claims.jti, new Date((claims.exp + tolerance) * 1000))
      ) {
        throw refuse('replayed', 'voice token was already used');
      }
      return {
        userId: claims.sub,
        channelId: claims.chn,
        guildId: claims.gld,
        nodeId: options.nodeId,
        rights: claims.rights,
        tokenId: claims.jti,
        expiresAt: new Date(claims.exp * 1000),
      };
    },
  };
}

function readKeys(publicJwks: readonly JWK[]): Map<string, VoicePublicJwk> {
  if (!Array.isArray(publicJwks) || publicJwks.length === 0) {
    throw new TypeError('publicJwks must list at least one public key');
  }
  const keys = new Map<string, VoicePublicJwk>();
  publicJwks.forEach((jwk: unknown, index) => {
    const what = `publicJwks[${index}]`;
    // An SFU node holding the signing key could mint tokens for every node: refuse it outright.
    if (typeof jwk === 'object' && jwk !== null && 'd' in jwk) {
      throw new TypeError(`${what} is a private key; a verifier needs only the public key`);
    }
    const key = requirePublicJwk(jwk, what);
    if (keys.has(key.kid)) throw new TypeError(`${what}.kid "${key.kid}" is listed twice`);
    keys.set(key.kid, key);
  });
  return keys;
}

function readHeader(token: string): { alg: unknown; kid: unknown } {
  try {
    const { alg, kid } = decodeProtectedHeader(token);
    return { alg, kid };
  } catch {
    throw refuse('malformed', 'voice token header is not a JSON object');
  }
}

function refusalOf(error: unknown): VoiceTokenError {
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return refuse('invalid-signature', 'voice token signature is not valid');
  }
  if (error instanceof errors.JWTExpired) return refuse('expired', 'voice token has expired');
  if (error instanceof errors.JWTClaimValidationFailed && error.reason !== 'missing') {
    switch (error.claim) {
      case 'typ':
        return refuse('wrong-type', 'voice token is not a gochat voice token');
      case 'iss':
        return refuse('wrong-issuer', 'voice token was issued by another issuer');
      case 'aud':
        return refuse('wrong-node', 'voice token is for another SFU node');
      default:
        break;
    }
  }
  // Everything else, jose's parse errors and missing claims included, is a token we cannot read.
  return refuse('malformed', 'voice token is malformed');
}

interface VoiceClaims {
  sub: string;
  chn: string;
  gld: string | null;
  jti: string;
  exp: number;
  rights: VoiceRights;
}

/** The signature is good, so these came from our signer; anything off means a signer bug or a key leak. */
function readClaims(payload: JWTPayload): VoiceClaims {
  const { sub, jti, iat, exp, chn, gld, vr } = payload;
  const lifetime = typeof exp === 'number' && typeof iat === 'number' ? exp - iat : Number.NaN;
  if (
    !isBoundedId(sub) ||
    !isBoundedId(jti) ||
    !isWholeSeconds(iat) ||
    !isWholeSeconds(exp) ||
    !(lifetime > 0 && lifetime <= MAX_TTL_SECONDS) ||
    !isBoundedId(chn) ||
    (gld !== null && !isBoundedId(gld))
  ) {
    throw refuse('malformed', 'voice token claims are missing or ill-typed');
  }
  const rights = decodeRights(vr);
  if (rights === undefined) throw refuse('malformed', 'voice token rights are missing or ill-typed');
  return { sub, chn, gld, jti, exp, rights };
}

function isWholeSeconds(value: unknown): value is number {
  return Number.isSafeInteger(value);
}
