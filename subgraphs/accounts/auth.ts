import type { Database } from '@gochat/db';
import { account, jwks, session, user, verification } from '@gochat/drizzle';
import type { SnowflakeGenerator } from '@gochat/ids';
import type { Logger } from '@gochat/log';
import type { Mailer } from '@gochat/mail';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import { bearer } from 'better-auth/plugins/bearer';
import { jwt } from 'better-auth/plugins/jwt';
import { jwtVerify } from 'jose';

import type { AccountsConfig } from './config.ts';
import { passwordResetMail, verificationMail } from './mail-templates.ts';
import { handle as handleRule } from './validation.ts';

export interface AuthDeps {
  db: Database;
  config: AccountsConfig;
  mailer: Mailer;
  ids: SnowflakeGenerator;
  log: Logger;
}

export const AUTH_BASE_PATH = '/api/auth';

/**
 * better-auth owns passwords, sessions, e-mail tokens and the JWT signing keys, on the accounts
 * tables. Its own rate limiter is off: ours (rate-limit.ts) runs in front of it with shared storage
 * and also covers the GraphQL mutations, which call auth.api directly and would bypass it.
 */
export function createAuth({ db, config, mailer, ids, log }: AuthDeps) {
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
    appName: 'GoChat',
    baseURL: origin,
    basePath: AUTH_BASE_PATH,
    secret: secrets.auth,
    trustedOrigins,
    telemetry: { enabled: false },
    database: drizzleAdapter(db, { provider: 'pg', schema: { user, session, account, verification, jwks } }),
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
        await mailer.send(passwordResetMail(u, token, accounts.resetPasswordUrl, accounts.resetTtlSeconds));
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      expiresIn: accounts.verificationTtlSeconds,
      autoSignInAfterVerification: false,
      sendVerificationEmail: async ({ user: u, token }) => {
        await mailer.send(verificationMail(u, verifyLink(token), accounts.verificationTtlSeconds));
      },
    },
    plugins: [
      bearer(),
      jwt({
        jwks: { keyPairConfig: { alg: 'EdDSA', crv: 'Ed25519' } },
        jwt: {
          issuer: origin,
          audience: origin,
          expirationTime: accounts.jwtTtl.replace(/\s+/g, ''),
          // Keep PII out of tokens: the subject and the session are all the router needs.
          definePayload: ({ session: s }) => ({ sid: s.id }),
        },
      }),
    ],
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path === '/sign-up/email') await refuseTakenSignUp(ctx.body as Record<string, unknown>, ctx);
        if (ctx.path === '/verify-email') await refuseUsedLink(ctx.query?.token as string | undefined, ctx);
      }),
    },
    logger: {
      level: 'warn',
      log: (level, message, ...args) => log[level]({ args }, `auth: ${message}`),
    },
  });

  type Ctx = {
    context: {
      internalAdapter: {
        findUserByEmail(email: string): Promise<{ user: { emailVerified: boolean } } | null>;
      };
    };
  };

  /**
   * better-auth answers a duplicate sign-up with a fake success when verification is required (to
   * hide which e-mails exist). GoChat, like Discord, tells the user: see docs/decisions.
   */
  async function refuseTakenSignUp(body: Record<string, unknown>, ctx: unknown): Promise<void> {
    const email = typeof body.email === 'string' ? body.email.toLowerCase() : '';
    if (email && (await (ctx as Ctx).context.internalAdapter.findUserByEmail(email)))
      throw new APIError('UNPROCESSABLE_ENTITY', {
        code: 'EMAIL_TAKEN',
        message: 'An account with this e-mail already exists.',
      });
    if (body.handle !== undefined && body.handle !== null) {
      const parsed = handleRule.safeParse(body.handle);
      if (!parsed.success)
        throw new APIError('BAD_REQUEST', {
          code: 'INVALID_HANDLE',
          message: `handle: ${parsed.error.issues[0]?.message}`,
        });
      const taken = await db.query.user.findFirst({
        where: (u, { eq }) => eq(u.handle, parsed.data),
        columns: { id: true },
      });
      if (taken)
        throw new APIError('UNPROCESSABLE_ENTITY', {
          code: 'HANDLE_TAKEN',
          message: 'This handle is taken.',
        });
    }
  }

  /** better-auth answers a reused verification link with success; a used link is an error here. */
  async function refuseUsedLink(token: string | undefined, ctx: unknown): Promise<void> {
    if (!token) return;
    let emailOfToken: string | undefined;
    try {
      const { payload } = await jwtVerify(token, new TextEncoder().encode(secrets.auth), {
        algorithms: ['HS256'],
      });
      emailOfToken = typeof payload.email === 'string' ? payload.email : undefined;
      if (payload.updateTo) return; // e-mail change links have their own flow
    } catch {
      return; // invalid or expired: better-auth reports those itself
    }
    const found = emailOfToken
      ? await (ctx as Ctx).context.internalAdapter.findUserByEmail(emailOfToken)
      : null;
    if (found?.user.emailVerified)
      throw new APIError('BAD_REQUEST', {
        code: 'LINK_ALREADY_USED',
        message: 'This verification link was already used; the account is active.',
      });
  }
}

export type Auth = ReturnType<typeof createAuth>;
