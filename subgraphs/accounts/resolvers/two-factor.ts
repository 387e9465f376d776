import { DomainError, unauthenticated, validation } from '@gochat/errors';

import { callAuth } from '../auth/errors.ts';
import { notices } from '../auth/mail-templates.ts';
import { renewedSessionToken, withChallenge } from '../auth/two-factor.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { authHeaders, sessionAnswer } from './auth.ts';
import { signedInUser, type AccountsContext } from './context.ts';

/** A code as typed: six digits from the app, or a backup code (10 letters and digits, dash optional). */
type Code = { kind: 'totp'; code: string } | { kind: 'backup'; code: string };

function parseCode(input: string): Code {
  const text = input.replace(/\s+/g, '');
  if (/^\d{6}$/.test(text)) return { kind: 'totp', code: text };
  const backup = /^([A-Za-z0-9]{5})-?([A-Za-z0-9]{5})$/.exec(text);
  if (backup) return { kind: 'backup', code: `${backup[1]}-${backup[2]}` };
  throw validation('Give the 6-digit code from your authenticator app, or a backup code.', 'code');
}

function parsePassword(password: string): string {
  if (password.length === 0 || password.length > 128) throw validation('Wrong password.', 'password');
  return password;
}

/** better-auth's endpoints act on a session token: the one of the caller's JWT (its sid). */
async function callerSession(ctx: AccountsContext) {
  const { userId, sessionId } = signedInUser(ctx.identity);
  const token = sessionId ? await ctx.store.sessionToken(userId, sessionId) : undefined;
  if (!token) throw unauthenticated('This session has ended. Sign in again.');
  return { userId, token, headers: authHeaders(ctx.identity, token) };
}

/** Checks a code for the signed-in caller (no lockout: a session is needed); a backup code is spent. */
async function checkCode(ctx: AccountsContext, headers: Headers, code: Code) {
  if (code.kind === 'totp')
    await callAuth(() => ctx.auth.api.verifyTOTP({ body: { code: code.code }, headers }));
  else
    await callAuth(() =>
      ctx.auth.api.verifyBackupCode({ body: { code: code.code, disableSession: true }, headers }),
    );
}

async function notify(
  ctx: AccountsContext,
  userId: string,
  notice: 'twoFactorEnabled' | 'twoFactorDisabled' | 'backupCodesRegenerated',
) {
  const user = await ctx.users.load(userId);
  if (user) await ctx.mail.notify(user, notices[notice](ctx.mail.productName));
}

/**
 * Two-factor sign-in through better-auth's plugin (docs/decisions/0049-two-factor.md): setup, the
 * second step of signIn, new backup codes, and turning it off. Every code check is limited per client
 * IP; wrong codes at sign-in also count per attempt and per account (better-auth's lockout).
 */
export const twoFactorResolvers: Resolvers = {
  SignInResult: {
    __resolveType: (result) =>
      result.__typename ?? ('challenge' in result ? 'SecondFactorRequired' : 'AuthSession'),
  },

  User: {
    twoFactorEnabled: async (user, _args, ctx) => {
      const self =
        user.viewerIsOwner === true || (ctx.identity.kind === 'user' && ctx.identity.userId === user.id);
      return self ? ctx.store.twoFactorEnabled(user.id) : null;
    },
  },

  Mutation: {
    signInSecondFactor: async (_root, args, ctx) => {
      const code = parseCode(args.code);
      await ctx.rateLimit('two-factor');
      const headers = withChallenge(ctx.auth.options, authHeaders(ctx.identity), args.challenge);
      if (!headers)
        throw new DomainError('INVALID_TOKEN', 'This sign-in attempt is not valid. Sign in again.');
      const body = { code: code.code };
      const signedIn = await callAuth(() =>
        code.kind === 'totp'
          ? ctx.auth.api.verifyTOTP({ body, headers })
          : ctx.auth.api.verifyBackupCode({ body, headers }),
      );
      if (!signedIn.token) throw new Error('second factor accepted without a session');
      return sessionAnswer(ctx, signedIn.token, signedIn.user.id);
    },

    enableTwoFactor: async (_root, args, ctx) => {
      const password = parsePassword(args.password);
      await ctx.rateLimit('two-factor');
      const { headers } = await callerSession(ctx);
      const setup = await callAuth(() => ctx.auth.api.enableTwoFactor({ body: { password }, headers }));
      if (!('totpURI' in setup) || !setup.totpURI || !setup.backupCodes)
        throw new Error('two-factor enable answered no TOTP setup');
      const secret = new URL(setup.totpURI).searchParams.get('secret') ?? '';
      return { totpURI: setup.totpURI, secret, backupCodes: setup.backupCodes };
    },

    verifyTwoFactor: async (_root, args, ctx) => {
      const code = parseCode(args.code);
      if (code.kind !== 'totp')
        throw validation('Confirm with a code from your authenticator app, not a backup code.', 'code');
      await ctx.rateLimit('two-factor');
      const { userId, token, headers } = await callerSession(ctx);
      if (await ctx.store.twoFactorEnabled(userId))
        throw new DomainError('CONFLICT', 'Two-factor sign-in is already on.');
      const { headers: answered } = await callAuth(() =>
        ctx.auth.api.verifyTOTP({ body: { code: code.code }, headers, returnHeaders: true }),
      );
      const renewed = renewedSessionToken(answered);
      if (renewed) {
        ctx.kick(); // the replaced session's SessionRevoked
        await notify(ctx, userId, 'twoFactorEnabled');
      }
      return sessionAnswer(ctx, renewed ?? token, userId);
    },

    regenerateBackupCodes: async (_root, args, ctx) => {
      const password = parsePassword(args.password);
      // Limited as the code checks are: each call is also a password guess.
      await ctx.rateLimit('two-factor');
      const { userId, headers } = await callerSession(ctx);
      if (!(await ctx.store.twoFactorEnabled(userId)))
        throw new DomainError('CONFLICT', 'Two-factor sign-in is not on for this account.');
      // better-auth checks the password, then overwrites the stored codes: the old ones stop working.
      const { backupCodes } = await callAuth(() =>
        ctx.auth.api.generateBackupCodes({ body: { password }, headers }),
      );
      await notify(ctx, userId, 'backupCodesRegenerated');
      return backupCodes;
    },

    disableTwoFactor: async (_root, args, ctx) => {
      const password = parsePassword(args.password);
      const code = parseCode(args.code);
      await ctx.rateLimit('two-factor');
      const { userId, headers } = await callerSession(ctx);
      if (!(await ctx.store.twoFactorEnabled(userId)))
        throw new DomainError('CONFLICT', 'Two-factor sign-in is not on for this account.');
      // The password first: a wrong one must not spend the backup code.
      await callAuth(() => ctx.auth.api.verifyPassword({ body: { password }, headers }));
      await checkCode(ctx, headers, code);
      const { headers: answered } = await callAuth(() =>
        ctx.auth.api.disableTwoFactor({ body: { password }, headers, returnHeaders: true }),
      );
      const renewed = renewedSessionToken(answered);
      if (!renewed) throw new Error('disabling two-factor sign-in answered no new session');
      ctx.kick();
      await notify(ctx, userId, 'twoFactorDisabled');
      return sessionAnswer(ctx, renewed, userId);
    },
  },
};
