import { DomainError, parseInput, unauthenticated } from '@gochat/errors';
import type { Identity } from '@gochat/identity';

import { callAuth } from '../auth/errors.ts';
import { CHALLENGE_TTL_SECONDS, challengeFrom } from '../auth/two-factor.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { email, signInInput, signUpInput } from '../validation.ts';
import { signedInUser, type AccountsContext } from './context.ts';

const ipOf = (identity: Identity) => (identity.kind === 'scope' ? undefined : identity.ip);

export function authHeaders(identity: Identity, bearer?: string): Headers {
  const headers = new Headers();
  const ip = ipOf(identity);
  if (ip) headers.set('x-forwarded-for', ip);
  if (bearer) headers.set('authorization', `Bearer ${bearer}`);
  return headers;
}

async function issueJwt(ctx: AccountsContext, sessionToken: string) {
  const { token } = await callAuth(() =>
    ctx.auth.api.getToken({ headers: authHeaders(ctx.identity, sessionToken) }),
  );
  return { jwt: token, expiresAt: new Date(Date.now() + ctx.jwtTtlMs) };
}

/** GraphQL's AuthSession for a session better-auth just made: its token, a JWT, and the account. */
export async function sessionAnswer(ctx: AccountsContext, sessionToken: string, userId: string) {
  ctx.users.clear(userId);
  const user = await ctx.users.load(userId);
  if (!user) throw new Error('user missing right after sign-in');
  const { jwt, expiresAt } = await issueJwt(ctx, sessionToken);
  // The caller may still be anonymous, but this session is theirs: they see their own private fields.
  return {
    __typename: 'AuthSession' as const,
    sessionToken,
    jwt,
    jwtExpiresAt: expiresAt,
    user: { ...user, viewerIsOwner: true },
  };
}

/** Sign-up, e-mail verification, sign-in, JWTs, sessions and password resets, through better-auth. */
export const authResolvers: Resolvers = {
  Query: {
    sessionActive: async (_root, _args, ctx) => {
      const { userId, sessionId } = signedInUser(ctx.identity);
      return sessionId ? ctx.store.sessionActive(userId, sessionId) : false;
    },
  },

  Mutation: {
    signUp: async (_root, { input }, ctx) => {
      const data = parseInput(signUpInput, input);
      await ctx.rateLimit('sign-up');
      const result = await callAuth(() =>
        ctx.auth.api.signUpEmail({
          body: {
            email: data.email,
            password: data.password,
            name: data.displayName,
            ...(data.handle ? { handle: data.handle } : {}),
          },
          headers: authHeaders(ctx.identity),
        }),
      );
      const user = await ctx.users.load(result.user.id);
      if (!user) throw new Error('user missing right after sign-up');
      return { user, verificationRequired: !user.emailVerified };
    },

    resendVerificationEmail: async (_root, args, ctx) => {
      const address = parseInput(email, args.email, 'email');
      await ctx.rateLimit('verification-mail');
      await callAuth(() =>
        ctx.auth.api.sendVerificationEmail({ body: { email: address }, headers: authHeaders(ctx.identity) }),
      );
      return true;
    },

    verifyEmail: async (_root, { token }, ctx) => {
      await ctx.rateLimit('verify-email');
      await callAuth(() =>
        ctx.auth.api.verifyEmail({ query: { token }, headers: authHeaders(ctx.identity) }),
      );
      return true;
    },

    signIn: async (_root, { input }, ctx) => {
      const data = parseInput(signInInput, input);
      await ctx.rateLimit('sign-in');
      const { headers, response } = await callAuth(() =>
        ctx.auth.api.signInEmail({
          body: { email: data.email, password: data.password },
          headers: authHeaders(ctx.identity),
          returnHeaders: true,
        }),
      );
      // better-auth's two-factor plugin answers this instead of a session (its types do not say so).
      const answer = response as typeof response | { twoFactorRedirect: true; twoFactorMethods?: string[] };
      if ('twoFactorRedirect' in answer) {
        const challenge = challengeFrom(ctx.auth.options, headers);
        if (!challenge) throw new Error('two-factor sign-in without its challenge cookie');
        return {
          __typename: 'SecondFactorRequired' as const,
          challenge,
          methods: ['TOTP' as const, 'BACKUP_CODE' as const],
          expiresAt: new Date(Date.now() + CHALLENGE_TTL_SECONDS * 1000),
        };
      }
      return sessionAnswer(ctx, answer.token, answer.user.id);
    },

    refreshJwt: async (_root, { sessionToken }, ctx) => {
      try {
        return await issueJwt(ctx, sessionToken);
      } catch (error) {
        if (error instanceof DomainError) throw error;
        // getToken answers 401 for an unknown or ended session.
        throw unauthenticated('This session has ended. Sign in again.');
      }
    },

    signOut: async (_root, _args, ctx) => {
      const { userId, sessionId } = signedInUser(ctx.identity);
      if (!sessionId) return false;
      const deleted = await ctx.store.deleteSession(userId, sessionId);
      if (deleted) ctx.kick();
      return deleted;
    },

    requestPasswordReset: async (_root, args, ctx) => {
      const address = parseInput(email, args.email, 'email');
      await ctx.rateLimit('reset-request');
      await callAuth(() =>
        ctx.auth.api.requestPasswordReset({ body: { email: address }, headers: authHeaders(ctx.identity) }),
      );
      return true;
    },

    resetPassword: async (_root, { token, newPassword }, ctx) => {
      await ctx.rateLimit('reset');
      await callAuth(() =>
        ctx.auth.api.resetPassword({ body: { token, newPassword }, headers: authHeaders(ctx.identity) }),
      );
      return true;
    },
  },
};
