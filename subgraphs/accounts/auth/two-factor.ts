import type { KeyValueStore } from '@gochat/cache';
import type { BetterAuthOptions, BetterAuthPlugin } from 'better-auth';
import { APIError, createAuthMiddleware, isAPIError } from 'better-auth/api';
import { createCookieGetter, parseSetCookieHeader } from 'better-auth/cookies';
import { twoFactor } from 'better-auth/plugins/two-factor';

import { TWO_FACTOR_LOCKOUT_SECONDS } from './errors.ts';

/** better-auth's name for the cookie carrying a sign-in's pending second factor (its constant.mjs). */
export const CHALLENGE_COOKIE = 'two_factor';
/** How long a sign-in waits for its second factor, in seconds. */
export const CHALLENGE_TTL_SECONDS = 600;
export const TOTP_VERIFY_PATH = '/two-factor/verify-totp';

/**
 * A TOTP code is accepted one 30 s step either side of now (better-auth's window of 1): it must stay
 * refused for as long as it could be accepted, plus a step for clock skew between processes.
 */
const USED_CODE_TTL_MS = 4 * 30_000;

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/**
 * better-auth's two-factor plugin (TOTP and backup codes; no e-mailed codes) with the product name as
 * issuer, and GoChat's guard against reused TOTP codes after it. better-auth counts wrong codes per
 * sign-in attempt (5) and per account (locked for 15 minutes after 10 in a row).
 */
export function twoFactorPlugins(options: { issuer: string; cache: KeyValueStore }) {
  return [
    twoFactor({
      issuer: options.issuer,
      twoFactorCookieMaxAge: CHALLENGE_TTL_SECONDS,
      backupCodeOptions: { amount: 10, length: 10 },
      accountLockout: { enabled: true, maxFailedAttempts: 10, durationSeconds: TWO_FACTOR_LOCKOUT_SECONDS },
    }),
    totpReplayGuard(options.cache),
  ];
}

/**
 * better-auth accepts a TOTP code as often as it is sent within its window; RFC 6238 §5.2 wants each
 * accepted once. The code is claimed for its user before better-auth checks it (two requests racing
 * with one code: one wins) and the claim is given back when the check fails.
 */
function totpReplayGuard(cache: KeyValueStore): BetterAuthPlugin {
  // The claim of each request, from its before hook to its after hook (better-auth hands both the
  // same per-request context). Found again later, the user may be gone: a spent challenge names none.
  const claims = new WeakMap<object, string>();
  const claimOf = async (ctx: HookContext) => {
    const code = (ctx.body as { code?: unknown } | undefined)?.code;
    const userId = typeof code === 'string' ? await userOf(ctx) : undefined;
    return userId ? `auth:totp-used:${userId}:${code as string}` : undefined;
  };
  const matcher = (ctx: { path?: string }) => ctx.path === TOTP_VERIFY_PATH;
  return {
    id: 'gochat-totp-replay-guard',
    hooks: {
      before: [
        {
          matcher,
          handler: createAuthMiddleware(async (ctx) => {
            const claim = await claimOf(ctx);
            if (!claim) return;
            if (!(await cache.setIfAbsent(claim, '1', { ttlMs: USED_CODE_TTL_MS })))
              throw new APIError('UNAUTHORIZED', {
                code: 'CODE_ALREADY_USED',
                message: 'This code was already used. Wait for the next one.',
              });
            claims.set(ctx.context, claim);
          }),
        },
      ],
      after: [
        {
          matcher,
          handler: createAuthMiddleware(async (ctx) => {
            const claim = claims.get(ctx.context);
            claims.delete(ctx.context);
            if (claim && isAPIError(ctx.context.returned)) await cache.delete(claim);
          }),
        },
      ],
    },
  };
}

/**
 * The account a verification is for, as better-auth's verifyTwoFactor finds it: the session's user
 * (a bearer token or the session cookie), else the user of the sign-in's challenge cookie.
 */
async function userOf(ctx: HookContext): Promise<string | undefined> {
  const { context } = ctx;
  const bearer = /^bearer\s+(\S+)$/i.exec(ctx.headers?.get('authorization') ?? '')?.[1];
  const sessionToken =
    (bearer ? safeDecode(bearer).split('.')[0] : undefined) ||
    (await ctx.getSignedCookie(context.authCookies.sessionToken.name, context.secret)) ||
    undefined;
  if (sessionToken) {
    const found = await context.internalAdapter.findSession(sessionToken);
    if (found) return found.user.id;
  }
  const challenge = await ctx.getSignedCookie(
    context.createAuthCookie(CHALLENGE_COOKIE).name,
    context.secret,
  );
  if (!challenge) return undefined;
  return (await context.internalAdapter.findVerificationValue(challenge))?.value ?? undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A sign-in's challenge travels to GraphQL clients as the value of better-auth's signed two_factor
 * cookie, and comes back as that cookie: better-auth checks its signature and expiry.
 */
const CHALLENGE_FORMAT = /^[A-Za-z0-9._~+/=-]{16,512}$/;

const challengeCookieName = (options: BetterAuthOptions) =>
  createCookieGetter(options)(CHALLENGE_COOKIE).name;

/** The challenge a sign-in's answer set (its two_factor cookie), if it asked for a second factor. */
export function challengeFrom(options: BetterAuthOptions, headers: Headers): string | undefined {
  const setCookie = headers.get('set-cookie');
  const cookie = setCookie ? parseSetCookieHeader(setCookie).get(challengeCookieName(options)) : undefined;
  return cookie?.value || undefined;
}

/** The request headers carrying a challenge as better-auth's cookie; undefined when it is malformed. */
export function withChallenge(
  options: BetterAuthOptions,
  headers: Headers,
  challenge: string,
): Headers | undefined {
  if (!CHALLENGE_FORMAT.test(challenge)) return undefined;
  const result = new Headers(headers);
  result.set('cookie', `${challengeCookieName(options)}=${encodeURIComponent(challenge)}`);
  return result;
}

/**
 * The new session's token when better-auth replaced the caller's session (turning 2FA on or off does,
 * against session fixation): its bearer plugin sends it signed in set-auth-token.
 */
export function renewedSessionToken(headers: Headers): string | undefined {
  const signed = headers.get('set-auth-token');
  return signed ? safeDecode(signed).split('.')[0] || undefined : undefined;
}
