import { DomainError, forbidden, notFound, parseInput, unauthenticated, validation } from '@gochat/errors';
import type { Identity } from '@gochat/identity';
import { isSnowflake } from '@gochat/ids';
import type { BaseContext } from '@gochat/subgraph-kit';
import { DateTimeScalar } from '@gochat/subgraph-kit';
import type DataLoader from 'dataloader';
import { z } from 'zod';

import type { Resolvers } from './generated/resolvers.ts';
import type { MessageRow, MessagesStore } from './store.ts';

export interface MessagesContext extends BaseContext {
  store: MessagesStore;
  messages: DataLoader<string, MessageRow | undefined>;
  kick(): void;
}

const content = z
  .string()
  .max(2000, 'at most 2000 characters')
  .refine((c) => c.trim().length > 0, 'must not be empty');
const limit = z.number().int().min(1, 'at least 1').max(100, 'at most 100');

function id(value: string, field: string): string {
  if (!isSnowflake(value)) throw validation(`${field}: not a valid id`, field);
  return value;
}

/** Readable by guild members, and by a router hydration scoped to this channel. Returns the guild id. */
async function readableChannel(ctx: MessagesContext, channelId: string): Promise<string> {
  const identity: Identity = ctx.identity;
  if (identity.kind === 'anonymous') throw unauthenticated();
  const access = await ctx.store.channelAccess(
    channelId,
    identity.kind === 'user' ? identity.userId : undefined,
  );
  if (!access) throw notFound('Channel');
  if (identity.kind === 'scope' ? identity.scope.channelId === channelId : access.isMember)
    return access.guildId;
  throw forbidden('Not a member of this guild.');
}

async function readableMessage(ctx: MessagesContext, messageId: string): Promise<MessageRow> {
  const message = await ctx.messages.load(id(messageId, 'id'));
  if (!message) throw notFound('Message');
  await readableChannel(ctx, message.channelId);
  return message;
}

/** A channel's latest messages, newest first, for readers of the channel. */
async function history(
  ctx: MessagesContext,
  channelId: string,
  args: { limit?: number | null; before?: string | null },
): Promise<MessageRow[]> {
  await readableChannel(ctx, channelId);
  const before = args.before ? id(args.before, 'before') : undefined;
  return ctx.store.latest(channelId, parseInput(limit, args.limit ?? 50, 'limit'), before);
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,

  Message: {
    __resolveReference: (ref, ctx) => readableMessage(ctx, ref.id),
    channel: (message) => ({ id: message.channelId }),
    author: (message) => ({ id: message.authorId }),
  },

  Channel: {
    __resolveReference: (ref) => ({ id: ref.id }),
    messages: (channel, args, ctx) => history(ctx, id(channel.id, 'id'), args),
  },

  Query: {
    message: (_root, args, ctx) => readableMessage(ctx, args.id),
    messages: (_root, args, ctx) => history(ctx, id(args.channelId, 'channelId'), args),
  },

  Mutation: {
    sendMessage: async (_root, args, ctx) => {
      if (ctx.identity.kind !== 'user') throw unauthenticated();
      const channelId = id(args.channelId, 'channelId');
      const text = parseInput(content, args.content, 'content');
      const guildId = await readableChannel(ctx, channelId);
      const message = await ctx.store.send({
        channelId,
        guildId,
        authorId: ctx.identity.userId,
        content: text,
      });
      ctx.kick();
      return message;
    },
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
