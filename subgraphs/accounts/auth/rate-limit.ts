import { createRateLimiter, type KeyValueStore, type RateLimiter } from '@gochat/cache';
import { rateLimited } from '@gochat/errors';

import type { AccountsConfig } from '../config.ts';

/** Actions that send mail or guess credentials: limited per client IP, across REST and GraphQL. */
export type StrictAction =
  | 'sign-up'
  | 'sign-in'
  | 'verification-mail'
  | 'verify-email'
  | 'reset-request'
  | 'reset'
  /** Enabling, verifying and disabling two-factor sign-in: a password or a 6-digit code is guessed. */
  | 'two-factor';

const STRICT_PATHS: Record<string, StrictAction> = {
  '/sign-up/email': 'sign-up',
  '/sign-in/email': 'sign-in',
  '/send-verification-email': 'verification-mail',
  '/verify-email': 'verify-email',
  '/request-password-reset': 'reset-request',
  '/reset-password': 'reset',
  '/two-factor/enable': 'two-factor',
  '/two-factor/disable': 'two-factor',
  '/two-factor/verify-totp': 'two-factor',
  '/two-factor/verify-backup-code': 'two-factor',
  '/two-factor/get-totp-uri': 'two-factor',
  '/two-factor/generate-backup-codes': 'two-factor',
};

/** Public keys are fetched by the router and by verifiers; limiting them would only hurt verification. */
const UNLIMITED_PATHS = new Set(['/jwks']);

export interface AuthRateLimits {
  /** Throws RATE_LIMITED when the client spent its budget for the action. */
  check(action: StrictAction, ip: string | undefined): Promise<void>;
  /** The same for a /api/auth/* path; returns seconds to wait, or 0 when allowed. */
  checkPath(path: string, ip: string | undefined): Promise<number>;
  /**
   * Spends one mail to the inbox the address reaches (normalised: see inboxOf), whatever the client's
   * IP; returns seconds to wait, or 0 when the mail may go.
   */
  mailTo(address: string): Promise<number>;
}

/**
 * The inbox an address delivers to, so rotating spellings of one address shares one budget: lower
 * case, no +tag (sub-addressing), and for Gmail no dots and googlemail.com as gmail.com.
 */
export function inboxOf(address: string): string {
  const trimmed = address.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0) return trimmed;
  let local = trimmed.slice(0, at).split('+')[0] || trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  if (domain === 'googlemail.com') domain = 'gmail.com';
  if (domain === 'gmail.com') local = local.replaceAll('.', '');
  return `${local}@${domain}`;
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
  const perInbox = createRateLimiter(store, { name: 'auth:mail-inbox', ...config.mailPerAddress });

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
    mailTo: (address) => secondsToWait(perInbox, inboxOf(address)),
  };
}
