import { isForeignKeyViolation } from '@gochat/db';
import type { Identity } from '@gochat/identity';
import { DomainError, notFound, parseInput, unauthenticated, validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';
import type { BaseContext } from '@gochat/subgraph-kit';
import { DateTimeScalar } from '@gochat/subgraph-kit';
import type DataLoader from 'dataloader';

import type { Auth } from '../auth/better-auth.ts';
import { callAuth } from '../auth/errors.ts';
import type { StrictAction } from '../auth/rate-limit.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { RelationshipRow } from '../store/relationships.ts';
import type { AccountsStore, UserRow } from '../store/users.ts';
import { email, handle as handleRule, signInInput, signUpInput, updateProfileInput } from '../validation.ts';

export interface AccountsContext extends BaseContext {
  auth: Auth;
  store: AccountsStore;
  users: DataLoader<string, UserRow | undefined>;
  rateLimit(action: StrictAction): Promise<void>;
  kick(): void;
  jwtTtlMs: number;
}

const ipOf = (identity: Identity) => (identity.kind === 'scope' ? undefined : identity.ip);

function signedInUser(identity: Identity): { userId: string; sessionId?: string } {
  if (identity.kind !== 'user') throw unauthenticated();
  return identity;
}

function authHeaders(identity: Identity, bearer?: string): Headers {
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

/** The other user of a relationship mutation: a valid id, and not the caller (VALIDATION otherwise). */
function otherUser(identity: Identity, value: string): { me: string; other: string } {
  const { userId: me } = signedInUser(identity);
  if (!isSnowflake(value)) throw validation('userId: not a valid id', 'userId');
  if (value === me) throw validation('userId: not yourself', 'userId');
  return { me, other: value };
}

/** Runs a relationship change, then wakes the outbox relay. A user deleted meanwhile is NOT_FOUND. */
async function relationshipChange(
  ctx: AccountsContext,
  work: Promise<RelationshipRow>,
): Promise<RelationshipRow> {
  try {
    const row = await work;
    ctx.kick();
    return row;
  } catch (error) {
    if (isForeignKeyViolation(error)) throw notFound('User');
    throw error;
  }
}

export const resolvers: Resolvers<AccountsContext> = {
  DateTime: DateTimeScalar,

  User: {
    __resolveReference: async (ref, ctx) => (await ctx.users.load(ref.id)) ?? null,
    displayName: (user) => user.name,
    email: (user, _args, ctx) => (isSelf(ctx.identity, user) ? user.email : null),
    emailVerified: (user, _args, ctx) => (isSelf(ctx.identity, user) ? user.emailVerified : null),
  },

  Relationship: {
    user: async (relationship, _args, ctx) => {
      const user = await ctx.users.load(relationship.userId);
      if (!user) throw notFound('User');
      return user;
    },
  },

  Query: {
    relationships: (_root, { status }, ctx) => {
      const { userId } = signedInUser(ctx.identity);
      return ctx.store.relationships(userId, status ?? undefined);
    },
    me: async (_root, _args, ctx) => {
      const { userId } = signedInUser(ctx.identity);
      const user = await ctx.users.load(userId);
      if (!user) throw unauthenticated('This account no longer exists.');
      return user;
    },
    user: async (_root, { id }, ctx) => {
      signedInUser(ctx.identity);
      return (await ctx.users.load(id)) ?? null;
    },
    sessionActive: async (_root, _args, ctx) => {
      const { userId, sessionId } = signedInUser(ctx.identity);
      return sessionId ? ctx.store.sessionActive(userId, sessionId) : false;
    },
    userByHandle: async (_root, { handle }, ctx) => {
      signedInUser(ctx.identity);
      return (await ctx.store.userByHandle(handle.toLowerCase())) ?? null;
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
      const session = await callAuth(() =>
        ctx.auth.api.signInEmail({
          body: { email: data.email, password: data.password },
          headers: authHeaders(ctx.identity),
        }),
      );
      const user = await ctx.users.load(session.user.id);
      if (!user) throw new Error('user missing right after sign-in');
      const { jwt, expiresAt } = await issueJwt(ctx, session.token);
      // The caller is still anonymous, but this session is theirs: they see their own private fields.
      return {
        sessionToken: session.token,
        jwt,
        jwtExpiresAt: expiresAt,
        user: { ...user, viewerIsOwner: true },
      };
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

    updateProfile: async (_root, { input }, ctx) => {
      const { userId } = signedInUser(ctx.identity);
      const changes = parseInput(updateProfileInput, input);
      const user = await ctx.store.updateProfile(userId, {
        ...(changes.displayName != null ? { name: changes.displayName } : {}),
        ...(changes.handle != null ? { handle: changes.handle } : {}),
      });
      if (!user) throw unauthenticated('This account no longer exists.');
      ctx.users.clear(userId);
      ctx.kick();
      return user;
    },

    sendFriendRequest: async (_root, args, ctx) => {
      const { userId: me } = signedInUser(ctx.identity);
      const handle = parseInput(handleRule, args.handle.trim().toLowerCase(), 'handle');
      const target = await ctx.store.userByHandle(handle);
      if (!target) throw notFound('User');
      if (target.id === me) throw validation('handle: you cannot befriend yourself', 'handle');
      return relationshipChange(ctx, ctx.store.sendFriendRequest(me, target.id));
    },
    acceptFriendRequest: (_root, args, ctx) => {
      const { me, other } = otherUser(ctx.identity, args.userId);
      return relationshipChange(ctx, ctx.store.acceptFriendRequest(me, other));
    },
    declineFriendRequest: (_root, args, ctx) => {
      const { me, other } = otherUser(ctx.identity, args.userId);
      return relationshipChange(ctx, ctx.store.declineFriendRequest(me, other));
    },
    removeFriend: (_root, args, ctx) => {
      const { me, other } = otherUser(ctx.identity, args.userId);
      return relationshipChange(ctx, ctx.store.removeFriend(me, other));
    },
    blockUser: async (_root, args, ctx) => {
      const { me, other } = otherUser(ctx.identity, args.userId);
      if (!(await ctx.users.load(other))) throw notFound('User');
      return relationshipChange(ctx, ctx.store.blockUser(me, other));
    },
    unblockUser: (_root, args, ctx) => {
      const { me, other } = otherUser(ctx.identity, args.userId);
      return relationshipChange(ctx, ctx.store.unblockUser(me, other));
    },
  },
};

function isSelf(identity: Identity, user: UserRow): boolean {
  return user.viewerIsOwner === true || (identity.kind === 'user' && identity.userId === user.id);
}
