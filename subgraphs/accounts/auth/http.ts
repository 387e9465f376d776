import { IDENTITY_HEADER, type IdentityVerifier } from '@gochat/identity';
import { rebuildRequest } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';

import { AUTH_BASE_PATH, type Auth } from './better-auth.ts';
import type { AuthRateLimits } from './rate-limit.ts';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers });

/**
 * The better-auth endpoints GoChat serves, by method and path under /api/auth: what the router, the
 * mailed links, the README and the tests use. Every other one (update-user, change-email, delete-user,
 * list-sessions, revoke-sessions...) answers 404: the GraphQL API does those jobs, with its rules.
 */
export const AUTH_ROUTES: ReadonlySet<string> = new Set([
  'GET /jwks', // the router verifies JWTs with these keys
  'POST /sign-up/email',
  'POST /sign-in/email', // answers the session token in set-auth-token
  'GET /token', // a JWT for the session token sent as Authorization: Bearer <session token>
  'POST /sign-out',
  'GET /verify-email', // the mailed link
  'POST /send-verification-email',
  'POST /request-password-reset',
  'POST /reset-password',
  // Two-factor sign-in (better-auth's plugin): setup and turning off need the session (Bearer) and
  // the password; the verify routes take a session, or the two_factor cookie a sign-in set.
  'POST /two-factor/enable',
  'POST /two-factor/disable',
  'POST /two-factor/get-totp-uri',
  'POST /two-factor/verify-totp',
  'POST /two-factor/verify-backup-code',
  'POST /two-factor/generate-backup-codes',
]);

/**
 * better-auth's REST endpoints (/api/auth/*), reached through the router only. The router's identity
 * carries the client address, which drives rate limiting and session records.
 */
export function createAuthHttpHandler(deps: {
  auth: Auth;
  verifier: IdentityVerifier;
  limits: AuthRateLimits;
  log: Logger;
  publicUrl: string;
}): (request: Request) => Promise<Response> {
  const { auth, verifier, limits, log } = deps;
  const publicOrigin = new URL(deps.publicUrl).origin;
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
    if (!AUTH_ROUTES.has(`${request.method} ${path}`))
      return json(404, {
        code: 'NOT_FOUND',
        message: `No auth endpoint ${request.method} ${AUTH_BASE_PATH}${path}.`,
      });
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
    // better-auth refuses state-changing calls without an Origin (CSRF defence for cookie sessions).
    // A request with no cookies carries no ambient credential to forge, so API clients (bearer
    // tokens, no Origin) are given the public origin; browsers always send their own.
    if (!headers.has('origin') && !headers.has('cookie')) headers.set('origin', publicOrigin);
    try {
      const response = await auth.handler(await rebuildRequest(request, { headers }));
      if (response.status >= 400 && response.status < 500)
        log.debug({ path, status: response.status }, 'auth: request refused');
      return response;
    } catch (error) {
      log.error({ err: error, path }, 'auth: unexpected error');
      return json(500, { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' });
    }
  };
}
