import { DomainError, parseInput } from '@gochat/errors';
import { snowflakeTime } from '@gochat/ids';
import { z } from 'zod';

import { id, readable, readableMessage } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { TimelineMessage } from '../timeline/port.ts';
import type { MessagesContext } from './context.ts';

const limit = z.number().int().min(1, 'at least 1').max(100, 'at most 100');

/** A page of a container's history, newest first, for readers of the container. */
export async function history(
  ctx: MessagesContext,
  containerId: string,
  args: { limit?: number | null; before?: string | null; after?: string | null; around?: string | null },
): Promise<TimelineMessage[]> {
  await readable(ctx, id(containerId, 'channelId'));
  const cursors = (['before', 'after', 'around'] as const).filter((k) => args[k]);
  if (cursors.length > 1)
    throw new DomainError('VALIDATION', 'Give at most one of before, after and around.');
  const query = { channelId: containerId, limit: parseInput(limit, args.limit ?? 50, 'limit') };
  const cursor = cursors[0];
  return ctx.timeline.history(cursor ? { ...query, [cursor]: id(args[cursor] ?? '', cursor) } : query);
}

export const resolvers: Resolvers = {
  Message: {
    __resolveReference: async (ref, ctx) => (await readableMessage(ctx, ref.channelId, ref.id)).message,
    channel: (message) => ({ id: message.parentChannelId }),
    author: (message) => ({ id: message.authorId }),
    kind: (message) => (message.kind === 'guild_member_join' ? 'GUILD_MEMBER_JOIN' : 'DEFAULT'),
    createdAt: (message) => snowflakeTime(message.id),
    mentions: (message) => ({
      ...message.mentions,
      users: message.mentions.users.map((u) => ({ id: u })),
      roleIds: message.mentions.roles,
    }),
  },

  Channel: {
    __resolveReference: (ref) => ({ id: ref.id }),
    messages: (channel, args, ctx) => history(ctx, channel.id, args),
  },

  Query: {
    message: async (_root, args, ctx) => (await readableMessage(ctx, args.channelId, args.id)).message,
    messages: (_root, args, ctx) => history(ctx, args.channelId, args),
  },

  Subscription: {
    messageCreated: {
      // The router serves subscriptions from the bus; nothing should ever send one here.
      subscribe: () => {
        throw new DomainError(
          'SUBSCRIPTION_UNSUPPORTED',
          'Subscriptions are served by the router over graphql-ws.',
        );
      },
    },
  },
};
