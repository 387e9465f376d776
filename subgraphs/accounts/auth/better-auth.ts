import type { KeyValueStore } from '@gochat/cache';
import type { Database } from '@gochat/db';
import { account, jwks, session, twoFactor, user, verification } from '@gochat/drizzle';
import type { SnowflakeGenerator } from '@gochat/ids';
import type { Logger } from '@gochat/log';
import type { Mailer } from '@gochat/mail';
import { betterAuth } from 'better-auth/minimal';
import { APIError } from 'better-auth/api';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { bearer } from 'better-auth/plugins/bearer';
import { jwt } from 'better-auth/plugins/jwt';

import type { AccountsConfig } from '../config.ts';
import type { AccountsStore } from '../store/index.ts';
import { createAuthHooks, userFieldHooks } from './hooks.ts';
import type { MailTemplates } from './mail-templates.ts';
import type { AuthRateLimits } from './rate-limit.ts';
import { twoFactorPlugins } from './two-factor.ts';

export interface AuthDeps {
  db: Database;
  store: AccountsStore;
  config: AccountsConfig;
  mailer: Mailer;
  templates: MailTemplates;
  /** Per-inbox mail budgets (hooks.ts) live here, with the per-IP ones. */
  limits: AuthRateLimits;
  /** Used TOTP codes (two-factor.ts). */
  cache: KeyValueStore;
  ids: SnowflakeGenerator;
  log: Logger;
  /** Wakes the outbox relay: a deleted session row recorded SessionRevoked (migration 0003). */
  kick: () => void;
}

export const AUTH_BASE_PATH = '/api/auth';

/**
 * better-auth owns passwords, sessions, e-mail tokens and the JWT signing keys, on the accounts
 * tables. Its own rate limiter is off: ours (rate-limit.ts) runs in front of it with shared storage
 * and also covers the GraphQL mutations, which call auth.api directly and would bypass it.
 */
export function createAuth({
  db,
  store,
  config,
  mailer,
  templates,
  limits,
  cache,
  ids,
  log,
  kick,
}: AuthDeps) {
  const { accounts, publicUrl, secrets } = config;
  const origin = new URL(publicUrl).origin;
  const trustedOrigins = [origin, accounts.verifyRedirectUrl, accounts.resetPasswordUrl]
    .filter((u): u is string => Boolean(u))
    .map((u) => new URL(u).origin);

  const verifyLink = (token: string) => {
    const link = new URL(`${origin}${AUTH_BASE_PATH}/verify-email`);
    link.searchParams.set('token', token);
    if (accounts.verifyRedirectUrl) link.searchParams.set('callbackURL', accounts.verifyRedirectUrl);
    return link.toString();
  };

  return betterAuth({
    appName: accounts.productName,
    baseURL: origin,
    basePath: AUTH_BASE_PATH,
    secret: secrets.auth,
    trustedOrigins,
    telemetry: { enabled: false },
    database: drizzleAdapter(db, {
      provider: 'pg',
      schema: { user, session, account, verification, jwks, twoFactor },
    }),
    advanced: {
      database: { generateId: () => ids.next() },
      // The router overwrites this header with the client's address; nothing else reaches us.
      ipAddress: { ipAddressHeaders: ['x-forwarded-for'] },
    },
    rateLimit: { enabled: false },
    user: {
      additionalFields: {
        handle: { type: 'string', required: false, unique: true, input: true },
      },
    },
    emailAndPassword: {
      enabled: true,
      requireEmailVerification: accounts.requireEmailVerification,
      minPasswordLength: 8,
      maxPasswordLength: 128,
      resetPasswordTokenExpiresIn: accounts.resetTtlSeconds,
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user: u, token }) => {
        await mailer.send(
          templates.passwordReset(u, token, accounts.resetPasswordUrl, accounts.resetTtlSeconds),
        );
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      expiresIn: accounts.verificationTtlSeconds,
      autoSignInAfterVerification: false,
      sendVerificationEmail: async ({ user: u, token }) => {
        await mailer.send(templates.verification(u, verifyLink(token), accounts.verificationTtlSeconds));
      },
    },
    plugins: [
      // TOTP and backup codes (docs/decisions/0049-two-factor.md). Before bearer: its after hook ends
      // the session a password-only sign-in made, so bearer hands out no token for it.
      ...twoFactorPlugins({ issuer: accounts.productName, cache }),
      bearer(),
      jwt({
        jwks: { keyPairConfig: { alg: 'EdDSA', crv: 'Ed25519' } },
        jwt: {
          issuer: origin,
          audience: origin,
          expirationTime: accounts.jwtTtl.replace(/\s+/g, ''),
          // Keep PII out of tokens: the subject and the session are all the router needs.
          // No JWT for a banned account, whatever asks (getToken, refreshJwt, get-session's header).
          definePayload: async ({ session: s }) => {
            await refuseBanned(store, s.userId);
            return { sid: s.id };
          },
        },
      }),
    ],
    hooks: { before: createAuthHooks(store, secrets.auth, (address) => limits.mailTo(address)) },
    databaseHooks: {
      user: userFieldHooks,
      // Each deleted session recorded SessionRevoked in its transaction: publish it now.
      session: {
        // A banned account gets no session: sign-in fails after the password check, with FORBIDDEN.
        create: { before: (s) => refuseBanned(store, s.userId) },
        delete: { after: () => Promise.resolve(kick()) },
      },
    },
    // Errors of requests come back to http.ts, which answers and logs them (better-auth would
    // print client mistakes as coloured ERROR lines outside the JSON log).
    onAPIError: { throw: true },
    logger: { level: 'debug', log: (level, message, ...args) => logAuth(log, level, message, args) },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/** FORBIDDEN (code BANNED_USER) while an operator ban holds (`gochat admin ban`). */
async function refuseBanned(store: AccountsStore, userId: string): Promise<void> {
  if (await store.isBanned(userId))
    throw new APIError('FORBIDDEN', {
      code: 'BANNED_USER',
      message: 'This account has been suspended. Contact the operators of this GoChat server.',
    });
}

/**
 * better-auth's log lines, in the JSON log: its warnings are mostly a client's mistakes (an unknown
 * e-mail, a wrong password), so info; its errors stay errors; the rest is debug.
 */
function logAuth(log: Logger, level: 'debug' | 'info' | 'warn' | 'error', message: string, args: unknown[]) {
  const err = args.find((a) => a instanceof Error);
  const rest = args.filter((a) => a !== err);
  const fields = { ...(err ? { err } : {}), ...(rest.length ? { args: rest } : {}) };
  const at = level === 'error' ? 'error' : level === 'warn' ? 'info' : 'debug';
  log[at](fields, `auth: ${message}`);
}
