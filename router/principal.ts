import { unauthenticated, DomainError } from '@gochat/errors';
import {
  IDENTITY_HEADER,
  SESSION_LIVENESS_PATH,
  TokenCache,
  type Identity,
  type IdentitySigner,
} from '@gochat/identity';
import type { ServiceLink } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify } from 'jose';

/** Who is calling the router, before it becomes the Identity it signs for subgraphs. */
export type Principal =
  | { kind: 'user'; userId: string; sessionId?: string; expiresAt: number }
  | { kind: 'anonymous' }
  | { kind: 'scope'; scope: { channelId: string } };

export function identityOf(principal: Principal, ip: string | undefined): Identity {
  switch (principal.kind) {
    case 'user':
      return {
        kind: 'user',
        userId: principal.userId,
        ...(principal.sessionId ? { sessionId: principal.sessionId } : {}),
        ...(ip ? { ip } : {}),
      };
    case 'anonymous':
      return { kind: 'anonymous', ...(ip ? { ip } : {}) };
    case 'scope':
      return principal;
  }
}

/** Distinct client tokens remembered as verified (a few hundred bytes each). */
const MAX_VERIFIED_TOKENS = 10_000;
/**
 * How long a verified token is taken as verified without checking its signature again (never past
 * its expiry). The key set itself is kept up to 10 minutes (cacheMaxAge below), so a key withdrawn
 * from the accounts role is refused at most this much later than before. A forged, malformed or
 * expired token is never remembered: it is checked, and refused, every time.
 */
const REVERIFY_AFTER_MS = 60_000;
/**
 * How long a token whose session was found alive is taken as alive: a session ended by sign-out,
 * revoke, an operator ban or account deletion stops working over HTTP at most this much later (its
 * sockets close at once, on the SessionRevoked event). One lookup per token per period.
 */
const SESSION_RECHECK_MS = 15_000;

export interface JwtAuthenticator {
  /** A missing header is anonymous; a malformed, forged or expired token is UNAUTHENTICATED. */
  fromAuthorization(header: string | null | undefined): Promise<Principal>;
}

/**
 * Verifies better-auth JWTs against the accounts role's JWKS (fetched through the service link, so
 * it works in-process too), with issuer and audience pinned to the public URL.
 */
export function createJwtAuthenticator(options: {
  publicUrl: string;
  accounts: ServiceLink;
  signer: IdentitySigner;
  log?: Logger;
}): JwtAuthenticator {
  const origin = new URL(options.publicUrl).origin;
  const signedRequest = async (url: URL | string, init?: RequestInit) => {
    const request = new Request(url, init);
    request.headers.set(IDENTITY_HEADER, await options.signer.sign({ kind: 'anonymous' }));
    return options.accounts(request);
  };

  /**
   * Whether the session a token names still exists. Fails open (logged): while the accounts role is
   * unreachable, tokens keep working until they expire, as they did before sessions were checked.
   */
  const sessionAlive = async (userId: string, sessionId: string): Promise<boolean> => {
    const url = new URL(`${origin}${SESSION_LIVENESS_PATH}`);
    url.searchParams.set('user', userId);
    url.searchParams.set('session', sessionId);
    try {
      const response = await signedRequest(url);
      if (!response.ok) throw new Error(`session liveness answered ${response.status}`);
      const body = (await response.json()) as { alive?: unknown };
      return body.alive === true;
    } catch (err) {
      options.log?.warn({ err }, 'session liveness check failed: token accepted on its signature');
      return true;
    }
  };
  const jwks = createRemoteJWKSet(new URL(`${origin}/api/auth/jwks`), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    // Like every call to a subgraph role, the key fetch carries the router's signed identity.
    [customFetch]: (url, init) => signedRequest(url, init),
  });

  const verified = new TokenCache<Principal>(MAX_VERIFIED_TOKENS);

  return {
    async fromAuthorization(header) {
      if (!header) return { kind: 'anonymous' };
      const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header.trim());
      if (!match) throw unauthenticated('The Authorization header must be "Bearer <jwt>".');
      const token = match[1]!;
      const now = Date.now();
      const known = verified.get(token, now);
      if (known) return known;
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: origin,
          audience: origin,
          algorithms: ['EdDSA'],
        });
        if (typeof payload.sub !== 'string' || !payload.sub)
          throw unauthenticated('The token names no user.');
        const principal: Principal = {
          kind: 'user',
          userId: payload.sub,
          ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
          expiresAt: (payload.exp ?? 0) * 1000,
        };
        if (principal.sessionId && !(await sessionAlive(principal.userId, principal.sessionId)))
          throw unauthenticated('The session has ended. Sign in again.');
        if (payload.exp !== undefined) {
          const recheckAfter = principal.sessionId ? SESSION_RECHECK_MS : REVERIFY_AFTER_MS;
          verified.set(token, principal, Math.min(principal.expiresAt, now + recheckAfter));
        }
        return principal;
      } catch (error) {
        if (error instanceof DomainError) throw error;
        if (error instanceof joseErrors.JWTExpired)
          throw unauthenticated('The token has expired. Get a fresh one.');
        if (error instanceof joseErrors.JWKSTimeout || error instanceof TypeError)
          throw new DomainError('SERVICE_UNAVAILABLE', 'Cannot verify tokens right now. Retry shortly.');
        throw unauthenticated('The token is not valid.');
      }
    },
  };
}
