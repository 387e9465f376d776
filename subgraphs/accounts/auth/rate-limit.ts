import { createRateLimiter, type KeyValueStore, type RateLimiter } from '@gochat/cache';
import { rateLimited } from '@gochat/errors';

import type { AccountsConfig } from '../config.ts';

/** Actions that send mail or guess credentials: limited per client IP, across REST and GraphQL. */
export type StrictAction =
  'sign-up' | 'sign-in' | 'verification-mail' | 'verify-email' | 'reset-request' | 'reset';

const STRICT_PATHS: Record<string, StrictAction> = {
  '/sign-up/email': 'sign-up',
  '/sign-in/email': 'sign-in',
  '/send-verification-email': 'verification-mail',
  '/verify-email': 'verify-email',
  '/request-password-reset': 'reset-request',
  '/reset-password': 'reset',
};

/** Public keys are fetched by the router and by verifiers; limiting them would only hurt verification. */
const UNLIMITED_PATHS = new Set(['/jwks']);

export interface AuthRateLimits {
  /** Throws RATE_LIMITED when the client spent its budget for the action. */
  check(action: StrictAction, ip: string | undefined): Promise<void>;
  /** The same for a /api/auth/* path; returns seconds to wait, or 0 when allowed. */
  checkPath(path: string, ip: string | undefined): Promise<number>;
}

export function createAuthRateLimits(
  store: KeyValueStore,
  config: AccountsConfig['accounts']['rateLimit'],
): AuthRateLimits {
  const strict = new Map<StrictAction, RateLimiter>();
  const strictFor = (action: StrictAction) => {
    let limiter = strict.get(action);
    if (!limiter) {
      limiter = createRateLimiter(store, { name: `auth:${action}`, ...config.strict });
      strict.set(action, limiter);
    }
    return limiter;
  };
  const general = createRateLimiter(store, { name: 'auth:general', ...config.general });

  const secondsToWait = async (limiter: RateLimiter, ip: string | undefined) => {
    const decision = await limiter.consume(ip ?? 'unknown');
    return decision.allowed ? 0 : Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  };

  return {
    async check(action, ip) {
      const wait = await secondsToWait(strictFor(action), ip);
      if (wait > 0) throw rateLimited(wait);
    },
    async checkPath(path, ip) {
      if (UNLIMITED_PATHS.has(path)) return 0;
      const action = STRICT_PATHS[path];
      return secondsToWait(action ? strictFor(action) : general, ip);
    },
  };
}
