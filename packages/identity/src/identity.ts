import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

import { TokenCache } from './token-cache.ts';

/**
 * Who a request to a subgraph is for, as asserted by the router. The router verifies the client's
 * better-auth JWT and re-issues this short-lived HS256 token under INTERNAL_SECRET; subgraphs trust
 * nothing else. 'scope' is minted only by the router's subscription engine: it lets one hydration
 * read a single channel's data on behalf of every subscriber who already passed the guard.
 */
export type Identity =
  | { kind: 'user'; userId: string; sessionId?: string; ip?: string }
  | { kind: 'anonymous'; ip?: string }
  | { kind: 'scope'; scope: { channelId: string } };

export const IDENTITY_HEADER = 'x-gochat-identity';
const AUDIENCE = 'gochat:subgraphs';
const ISSUER = 'gochat:router';
const TTL_SECONDS = 60;

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

export interface IdentitySigner {
  sign(identity: Identity): Promise<string>;
}

export interface IdentityVerifier {
  /** Throws IdentityError for a missing, expired, forged or malformed token. */
  verify(token: string | null | undefined): Promise<Identity>;
}

/** Tokens each side keeps: distinct identities (user and address) seen within REUSE_SECONDS. */
const MAX_CACHED_TOKENS = 10_000;
/** A signed token is reused while it has at least TTL_SECONDS - REUSE_SECONDS of life left. */
const REUSE_SECONDS = 30;

/** The HMAC key, imported once (jose imports a raw secret again on every call). */
function hmacKey(secret: string, usage: 'sign' | 'verify'): () => Promise<CryptoKey> {
  let imported: Promise<CryptoKey> | undefined;
  return () =>
    (imported ??= crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      [usage],
    ));
}

/**
 * Signs an identity, or hands back the token signed for the same identity less than REUSE_SECONDS
 * ago: every request of a user from one address would otherwise cost a signature on the thread pool
 * (and the subgraph a verification of a token it has seen).
 */
export function createIdentitySigner(secret: string): IdentitySigner {
  const secretKey = hmacKey(secret, 'sign');
  const signed = new TokenCache<string>(MAX_CACHED_TOKENS);
  return {
    async sign(identity) {
      const cacheKey = JSON.stringify(identity);
      const now = Date.now();
      const cached = signed.get(cacheKey, now);
      if (cached !== undefined) return cached;
      const token = await new SignJWT({ id: identity })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${TTL_SECONDS}s`)
        .sign(await secretKey());
      signed.set(cacheKey, token, now + REUSE_SECONDS * 1000);
      return token;
    },
  };
}

/**
 * Verifies a token once: the identity of a token already verified is remembered until the token's
 * own expiry (the same instant jose refuses it at), so a token seen again costs a map lookup.
 */
export function createIdentityVerifier(secret: string): IdentityVerifier {
  const secretKey = hmacKey(secret, 'verify');
  const verified = new TokenCache<Identity>(MAX_CACHED_TOKENS);
  return {
    async verify(token) {
      if (!token) throw new IdentityError('missing router identity');
      const cached = verified.get(token, Date.now());
      if (cached) return cached;
      try {
        const { payload } = await jwtVerify(token, await secretKey(), {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
        });
        const identity = parseIdentity(payload.id);
        if (typeof payload.exp === 'number') verified.set(token, identity, payload.exp * 1000);
        return identity;
      } catch (error) {
        if (error instanceof IdentityError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new IdentityError('router identity expired');
        throw new IdentityError('router identity is not valid');
      }
    },
  };
}

function parseIdentity(value: unknown): Identity {
  const v = value as Record<string, unknown> | null;
  const ip = typeof v?.ip === 'string' ? v.ip : undefined;
  switch (v?.kind) {
    case 'user':
      if (typeof v.userId === 'string' && v.userId)
        return {
          kind: 'user',
          userId: v.userId,
          ...(typeof v.sessionId === 'string' ? { sessionId: v.sessionId } : {}),
          ...(ip ? { ip } : {}),
        };
      break;
    case 'anonymous':
      return { kind: 'anonymous', ...(ip ? { ip } : {}) };
    case 'scope': {
      const scope = v.scope as Record<string, unknown> | undefined;
      if (typeof scope?.channelId === 'string')
        return { kind: 'scope', scope: { channelId: scope.channelId } };
      break;
    }
    default:
      break;
  }
  throw new IdentityError('router identity has an unknown shape');
}
