import { forbidden, notFound, parseInput, unauthenticated } from '@gochat/errors';
import { PERMISSIONS, has, isTimedOut } from '@gochat/permissions';
import DataLoader from 'dataloader';
import { z } from 'zod';

import { id, readableMessage, requireInChannel, type Access } from '../access.ts';
import { parseEmoji, type Emoji } from '../emoji-key.ts';
import type { ReactionEmojiInput, Resolvers } from '../generated/resolvers.ts';
import type { ReactionRow } from '../store/rows.ts';
import type { MessagesContext } from './context.ts';

const limit = z.number().int().min(1, 'at least 1').max(100, 'at most 100');

/** The signed-in caller; reactions are personal, so scoped hydrations and anonymous callers never write. */
function signedIn(ctx: MessagesContext): string {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  return ctx.identity.userId;
}

// context.ts is shared; this area's loader lives beside the request's context and dies with it.
const loaders = new WeakMap<MessagesContext, DataLoader<string, ReactionRow[]>>();

/** Reactions per message id for this request's viewer: one query per batch (a page of history). */
function reactionsOf(ctx: MessagesContext): DataLoader<string, ReactionRow[]> {
  let loader = loaders.get(ctx);
  if (!loader) {
    const viewerId = ctx.identity.kind === 'user' ? ctx.identity.userId : undefined;
    loader = new DataLoader((ids: readonly string[]) => ctx.stores.reactions.summaries(ids, viewerId));
    loaders.set(ctx, loader);
  }
  return loader;
}

/**
 * An emoji the user may react with: a Unicode emoji, or a custom emoji that exists (NOT_FOUND
 * "Emoji") of a guild the user is a member of (FORBIDDEN otherwise, as reading that emoji is).
 */
async function usableEmoji(ctx: MessagesContext, input: ReactionEmojiInput, userId: string): Promise<Emoji> {
  const emoji = parseEmoji(input);
  if (emoji.emojiId === null) return emoji;
  const custom = await ctx.stores.reactions.customEmoji(emoji.emojiId, userId);
  if (!custom) throw notFound('Emoji');
  if (!custom.member) throw forbidden("React with a custom emoji only as a member of the emoji's guild.");
  return emoji;
}

/**
 * Reacting at all, as in Discord: not in a 1:1 DM with a block either way, and not while timed out
 * (a timed-out member keeps read access, which alone would let them join existing reactions).
 */
function mayReact({ facts, bits }: Access): void {
  if (facts.blocked) throw forbidden('You cannot react in a conversation with a blocked user.');
  if (facts.member && isTimedOut(facts.member.timeoutUntil) && !has(bits, PERMISSIONS.ADD_REACTIONS))
    throw forbidden('You cannot react while timed out.');
}

export const resolvers: Resolvers = {
  Message: {
    reactions: (message, _args, ctx) => reactionsOf(ctx).load(message.id),
  },

  Reaction: {
    emoji: (row) => ({ unicode: row.unicode, emojiId: row.emojiId }),
  },

  Query: {
    reactionUsers: async (_root, args, ctx) => {
      const { message } = await readableMessage(ctx, args.channelId, args.messageId);
      const users = await ctx.stores.reactions.users({
        messageId: message.id,
        emoji: parseEmoji(args.emoji),
        limit: parseInput(limit, args.limit ?? 25, 'limit'),
        after: args.after ? id(args.after, 'after') : undefined,
      });
      return users.map((userId) => ({ id: userId }));
    },
  },

  Mutation: {
    addReaction: async (_root, args, ctx) => {
      const userId = signedIn(ctx);
      const { access, message } = await readableMessage(ctx, args.channelId, args.messageId);
      mayReact(access);
      const emoji = await usableEmoji(ctx, args.emoji, userId);
      // Joining an emoji already on the message needs only read access; a new one ADD_REACTIONS.
      const mayAddNew = has(access.bits, PERMISSIONS.ADD_REACTIONS);
      await ctx.stores.reactions.add({ message, userId, emoji, mayAddNew });
      reactionsOf(ctx).clear(message.id);
      return message;
    },

    removeReaction: async (_root, args, ctx) => {
      const actorId = signedIn(ctx);
      const { access, message } = await readableMessage(ctx, args.channelId, args.messageId);
      const userId = args.userId ? id(args.userId, 'userId') : actorId;
      if (userId !== actorId) requireInChannel(access.bits, 'MANAGE_MESSAGES');
      const emoji = parseEmoji(args.emoji);
      await ctx.stores.reactions.remove({ message, emoji, userId, actorId });
      reactionsOf(ctx).clear(message.id);
      return message;
    },

    removeAllReactions: async (_root, args, ctx) => {
      const actorId = signedIn(ctx);
      const { access, message } = await readableMessage(ctx, args.channelId, args.messageId);
      requireInChannel(access.bits, 'MANAGE_MESSAGES');
      const emoji = args.emoji ? parseEmoji(args.emoji) : null;
      await ctx.stores.reactions.removeAll({ message, emoji, actorId });
      reactionsOf(ctx).clear(message.id);
      return message;
    },
  },
};
