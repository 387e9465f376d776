import { IDENTITY_HEADER, type IdentityVerifier } from '@gochat/identity';
import type { Logger } from '@gochat/log';

/**
 * `GET /internal/session-liveness?user=<id>&session=<id>` answers `{ alive }`: the router asks before
 * it trusts a JWT (and again each time it re-verifies one), so a session ended by sign-out, revoke,
 * an operator ban or account deletion stops working over HTTP too, not only on sockets.
 */
export function createSessionLivenessHandler(deps: {
  verifier: IdentityVerifier;
  sessionAlive: (userId: string, sessionId: string) => Promise<boolean>;
  log: Logger;
}): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      await deps.verifier.verify(request.headers.get(IDENTITY_HEADER));
    } catch {
      return Response.json(
        { code: 'UNAUTHENTICATED', message: 'For the GoChat router only.' },
        { status: 401 },
      );
    }
    const url = new URL(request.url);
    const userId = url.searchParams.get('user');
    const sessionId = url.searchParams.get('session');
    if (request.method !== 'GET' || !userId || !sessionId)
      return Response.json({ code: 'VALIDATION', message: 'GET with user and session.' }, { status: 400 });
    try {
      return Response.json({ alive: await deps.sessionAlive(userId, sessionId) });
    } catch (error) {
      deps.log.error({ err: error }, 'session liveness: lookup failed');
      return Response.json({ code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' }, { status: 500 });
    }
  };
}
