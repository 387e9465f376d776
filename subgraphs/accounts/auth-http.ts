import { IDENTITY_HEADER, type IdentityVerifier } from '@gochat/identity';
import type { Logger } from '@gochat/log';

import { AUTH_BASE_PATH, type Auth } from './auth.ts';
import type { AuthRateLimits } from './rate-limit.ts';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers });

/**
 * better-auth's REST endpoints (/api/auth/*), reached through the router only. The router's identity
 * carries the client address, which drives rate limiting and session records.
 */
export function createAuthHttpHandler(deps: {
  auth: Auth;
  verifier: IdentityVerifier;
  limits: AuthRateLimits;
  log: Logger;
}): (request: Request) => Promise<Response> {
  const { auth, verifier, limits, log } = deps;
  return async (request) => {
    let ip: string | undefined;
    try {
      const identity = await verifier.verify(request.headers.get(IDENTITY_HEADER));
      ip = identity.kind === 'scope' ? undefined : identity.ip;
    } catch {
      return json(401, {
        code: 'UNAUTHENTICATED',
        message: 'This service accepts requests from the GoChat router only.',
      });
    }
    const path = new URL(request.url).pathname.slice(AUTH_BASE_PATH.length) || '/';
    const wait = await limits.checkPath(path, ip);
    if (wait > 0)
      return json(
        429,
        { code: 'RATE_LIMITED', message: `Too many requests. Retry in ${wait}s.` },
        { 'retry-after': String(wait) },
      );

    const headers = new Headers(request.headers);
    headers.delete(IDENTITY_HEADER);
    if (ip) headers.set('x-forwarded-for', ip);
    else headers.delete('x-forwarded-for');
    try {
      return await auth.handler(new Request(request, { headers }));
    } catch (error) {
      log.error({ err: error, path }, 'auth: unexpected error');
      return json(500, { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' });
    }
  };
}
