import { isForeignKeyViolation } from '@gochat/db';
import { notFound, parseInput, validation } from '@gochat/errors';
import type { Identity } from '@gochat/identity';
import { isSnowflake } from '@gochat/ids';

import type { Resolvers } from '../generated/resolvers.ts';
import type { RelationshipRow } from '../store/index.ts';
import { handle as handleRule } from '../validation.ts';
import { signedInUser, type AccountsContext } from './context.ts';

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

/** Friends, friend requests and blocks: always about the caller's own relationships. */
export const relationshipsResolvers: Resolvers = {
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
  },

  Mutation: {
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
