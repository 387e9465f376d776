import { DomainError, forbidden, notFound, parseInput, unauthenticated, validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';
import {
  PERMISSIONS,
  channelPermissions,
  directChannelPermissions,
  has,
  isTimedOut,
  requirePermissions,
  type PermissionName,
} from '@gochat/permissions';
import type { BaseContext } from '@gochat/subgraph-kit';
import { DateTimeScalar } from '@gochat/subgraph-kit';
import type DataLoader from 'dataloader';
import { z } from 'zod';

import type { Resolvers } from './generated/resolvers.ts';
import type { ChannelAccessFacts, MessageRow, MessagesStore } from './store.ts';

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

/**
 * The user's effective permissions in the channel, by the same functions the guilds subgraph uses:
 * DM participants get the fixed DM set; guild channels follow Discord's algorithm (owner, roles,
 * administrator, overwrites, timeout); non-members get nothing.
 */
export function permissionsIn(facts: ChannelAccessFacts, userId: string, now = new Date()): bigint {
  if (facts.guildId === null) return directChannelPermissions(facts.isRecipient);
  if (!facts.member || facts.ownerId === null) return 0n;
  return channelPermissions(
    {
      userId,
      guildId: facts.guildId,
      ownerId: facts.ownerId,
      everyone: facts.everyone,
      roles: facts.roles,
      timedOut: isTimedOut(facts.member.timeoutUntil, now),
    },
    facts.overwrites,
  );
}

function requireInChannel(bits: bigint, ...names: PermissionName[]): void {
  if (!has(bits, PERMISSIONS.VIEW_CHANNEL)) throw forbidden('Not allowed to view this channel.');
  requirePermissions(bits, ...names);
}

async function loadFacts(ctx: MessagesContext, channelId: string): Promise<ChannelAccessFacts> {
  const identity = ctx.identity;
  if (identity.kind === 'anonymous') throw unauthenticated();
  const facts = await ctx.store.channelAccess(
    channelId,
    identity.kind === 'user' ? identity.userId : undefined,
  );
  if (!facts) throw notFound('Channel');
  return facts;
}

/**
 * Readers of a channel: VIEW_CHANNEL and READ_MESSAGE_HISTORY there (DM participants have both), or a
 * router hydration scoped to this very channel.
 */
async function readableChannel(ctx: MessagesContext, channelId: string): Promise<ChannelAccessFacts> {
  const facts = await loadFacts(ctx, channelId);
  const identity = ctx.identity;
  if (identity.kind === 'scope') {
    if (identity.scope.channelId === channelId) return facts;
    throw forbidden('Not allowed to view this channel.');
  }
  if (identity.kind !== 'user') throw unauthenticated();
  requireInChannel(permissionsIn(facts, identity.userId), 'READ_MESSAGE_HISTORY');
  return facts;
}

/**
 * Senders: VIEW_CHANNEL and SEND_MESSAGES (a timeout takes SEND_MESSAGES away), no block between the
 * two users of a 1:1 DM, and a channel that holds messages (not voice or a category).
 */
async function sendableChannel(ctx: MessagesContext, channelId: string): Promise<ChannelAccessFacts> {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  const facts = await loadFacts(ctx, channelId);
  requireInChannel(permissionsIn(facts, ctx.identity.userId), 'SEND_MESSAGES');
  if (facts.blocked) throw forbidden('You cannot message this user.');
  if (facts.kind === 'voice' || facts.kind === 'category')
    throw validation(`channelId: a ${facts.kind} channel holds no messages`, 'channelId');
  return facts;
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
    kind: (message) => (message.kind === 'guild_member_join' ? 'GUILD_MEMBER_JOIN' : 'DEFAULT'),
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
      const facts = await sendableChannel(ctx, channelId);
      const text = parseInput(content, args.content, 'content');
      const message = await ctx.store.send({
        channelId,
        guildId: facts.guildId,
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
