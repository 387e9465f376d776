import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

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

const key = (secret: string) => new TextEncoder().encode(secret);

export function createIdentitySigner(secret: string): IdentitySigner {
  const secretKey = key(secret);
  return {
    sign: (identity) =>
      new SignJWT({ id: identity })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${TTL_SECONDS}s`)
        .sign(secretKey),
  };
}

export function createIdentityVerifier(secret: string): IdentityVerifier {
  const secretKey = key(secret);
  return {
    async verify(token) {
      if (!token) throw new IdentityError('missing router identity');
      try {
        const { payload } = await jwtVerify(token, secretKey, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
        });
        return parseIdentity(payload.id);
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
