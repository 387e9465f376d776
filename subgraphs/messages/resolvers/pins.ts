import { unauthenticated } from '@gochat/errors';
import type { TimelineMessage } from '@gochat/message-store';
import DataLoader from 'dataloader';

import { id, readable, readableMessage, requireInChannel, type Access } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { MessagesContext } from './context.ts';

type PinKey = { channelId: string; messageId: string };

// context.ts is shared; this area's loader lives beside the request's context and dies with it.
const loaders = new WeakMap<MessagesContext, DataLoader<PinKey, boolean, string>>();

/** Whether each message is pinned: one query per batch (a page of history). */
function pinnedOf(ctx: MessagesContext): DataLoader<PinKey, boolean, string> {
  let loader = loaders.get(ctx);
  if (!loader) {
    loader = new DataLoader((keys: readonly PinKey[]) => ctx.stores.pins.pinnedAmong(keys), {
      cacheKeyFn: (key) => `${key.channelId}:${key.messageId}`,
    });
    loaders.set(ctx, loader);
  }
  return loader;
}

/**
 * Pinning needs MANAGE_MESSAGES in the channel; in DMs and group DMs, where nobody holds it, every
 * participant may pin (as in Discord).
 */
function requireMayPin({ facts, bits }: Access): void {
  if (facts.guildId === null && facts.isRecipient) return;
  requireInChannel(bits, 'MANAGE_MESSAGES');
}

async function pinnable(ctx: MessagesContext, channelId: string, messageId: string) {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  const actorId = ctx.identity.userId;
  const { access, message } = await readableMessage(ctx, channelId, messageId);
  requireMayPin(access);
  return { actorId, message };
}

/** The container's pinned messages, most recently pinned first; pins of deleted messages are skipped. */
async function pinnedMessages(ctx: MessagesContext, containerId: string): Promise<TimelineMessage[]> {
  await readable(ctx, id(containerId, 'channelId'));
  const ids = await ctx.stores.pins.pinnedIds(containerId);
  const found = await ctx.loaders.message.loadMany(ids.map((messageId) => `${containerId}:${messageId}`));
  return found.filter((m): m is TimelineMessage => {
    if (m instanceof Error) throw m;
    return m !== undefined;
  });
}

export const resolvers: Resolvers = {
  Message: {
    pinned: (message, _args, ctx) =>
      pinnedOf(ctx).load({ channelId: message.channelId, messageId: message.id }),
  },

  Channel: {
    pinnedMessages: (channel, _args, ctx) => pinnedMessages(ctx, channel.id),
  },

  Mutation: {
    pinMessage: async (_root, args, ctx) => {
      const { actorId, message } = await pinnable(ctx, args.channelId, args.messageId);
      await ctx.stores.pins.pin(message, actorId);
      pinnedOf(ctx).clear({ channelId: message.channelId, messageId: message.id });
      return message;
    },

    unpinMessage: async (_root, args, ctx) => {
      const { actorId, message } = await pinnable(ctx, args.channelId, args.messageId);
      await ctx.stores.pins.unpin(message, actorId);
      pinnedOf(ctx).clear({ channelId: message.channelId, messageId: message.id });
      return message;
    },
  },
};
