import { parseInput, unauthenticated } from '@gochat/errors';
import type { Identity } from '@gochat/identity';

import type { Resolvers } from '../generated/resolvers.ts';
import type { UserRow } from '../store/index.ts';
import { updateProfileInput } from '../validation.ts';
import { signedInUser } from './context.ts';

/** The User entity (private fields only to its owner), lookups, and profile changes. */
export const usersResolvers: Resolvers = {
  User: {
    __resolveReference: async (ref, ctx) => (await ctx.users.load(ref.id)) ?? null,
    displayName: (user) => user.name,
    email: (user, _args, ctx) => (isSelf(ctx.identity, user) ? user.email : null),
    emailVerified: (user, _args, ctx) => (isSelf(ctx.identity, user) ? user.emailVerified : null),
  },

  Query: {
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
    userByHandle: async (_root, { handle }, ctx) => {
      signedInUser(ctx.identity);
      return (await ctx.store.userByHandle(handle.toLowerCase())) ?? null;
    },
  },

  Mutation: {
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
  },
};

function isSelf(identity: Identity, user: UserRow): boolean {
  return user.viewerIsOwner === true || (identity.kind === 'user' && identity.userId === user.id);
}
