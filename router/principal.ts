import { unauthenticated, DomainError } from '@gochat/errors';
import { IDENTITY_HEADER, type Identity, type IdentitySigner } from '@gochat/identity';
import type { ServiceLink } from '@gochat/lifecycle';
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
}): JwtAuthenticator {
  const origin = new URL(options.publicUrl).origin;
  const jwks = createRemoteJWKSet(new URL(`${origin}/api/auth/jwks`), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    // Like every call to a subgraph role, the key fetch carries the router's signed identity.
    [customFetch]: async (url, init) => {
      const request = new Request(url, init);
      request.headers.set(IDENTITY_HEADER, await options.signer.sign({ kind: 'anonymous' }));
      return options.accounts(request);
    },
  });

  return {
    async fromAuthorization(header) {
      if (!header) return { kind: 'anonymous' };
      const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header.trim());
      if (!match) throw unauthenticated('The Authorization header must be "Bearer <jwt>".');
      try {
        const { payload } = await jwtVerify(match[1]!, jwks, {
          issuer: origin,
          audience: origin,
          algorithms: ['EdDSA'],
        });
        if (typeof payload.sub !== 'string' || !payload.sub)
          throw unauthenticated('The token names no user.');
        return {
          kind: 'user',
          userId: payload.sub,
          ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
          expiresAt: (payload.exp ?? 0) * 1000,
        };
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
