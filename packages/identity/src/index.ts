export * from './identity.ts';
export { TokenCache } from './token-cache.ts';

/**
 * The accounts role's answer to "does this session still exist?" (`?user=&session=` → `{ alive }`),
 * asked by the router before it trusts a JWT. Internal: the router proxies only /api/auth/* to it.
 */
export const SESSION_LIVENESS_PATH = '/internal/session-liveness';
