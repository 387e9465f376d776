import {
  DomainError,
  conflict,
  forbidden,
  notFound,
  parseInput,
  rateLimited,
  unauthenticated,
  validation,
} from '@gochat/errors';
import { isSnowflake, snowflakeTime } from '@gochat/ids';
import type { MessageMentions, TimelineMessage } from '@gochat/message-store';
import { PERMISSIONS, has, requirePermissions } from '@gochat/permissions';
import DataLoader from 'dataloader';
import { z } from 'zod';

import {
  asUser,
  id,
  mayRead,
  permissionsIn,
  readable,
  readableMessage,
  requireInChannel,
  sendable,
  type Access,
} from '../access.ts';
import type { EmbedInput, Resolvers } from '../generated/resolvers.ts';
import { customEmojiIds, rewriteCustomEmoji } from '../custom-emoji.ts';
import { parseMentions } from '../mentions.ts';
import type { MessageVersionRow } from '../store/rows.ts';
import type { MessagesContext } from './context.ts';
import { embedsOf, richEmbedsFrom } from './embeds.ts';

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

const someIds = z
  .array(z.string().refine(isSnowflake, 'not a valid id'))
  .min(1, 'at least 1 id')
  .max(100, 'at most 100 ids');

/** The container's messages with these ids that still exist, oldest first, for readers of the container. */
async function messagesByIds(
  ctx: MessagesContext,
  containerId: string,
  ids: readonly string[],
): Promise<TimelineMessage[]> {
  await readable(ctx, id(containerId, 'channelId'));
  const wanted = [...new Set(parseInput(someIds, ids, 'ids'))];
  const found = await ctx.timeline.get(containerId, wanted);
  return found.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

export const MAX_CONTENT = 2000;

const nonce = z.string().min(1, 'at least 1 character').max(64, 'at most 64 characters');
const bulkIds = z
  .array(z.string().refine(isSnowflake, 'not a valid id'))
  .min(2, 'at least 2 ids')
  .max(100, 'at most 100 ids')
  .refine((ids) => new Set(ids).size === ids.length, 'ids must be distinct');

/** Content rules of sends and edits: at most 2000 characters; blank only with attachments or embeds. */
function checkContent(content: string, hasAttachments: boolean): string {
  // Characters as people count them (code points), not UTF-16 units.
  if ([...content].length > MAX_CONTENT)
    throw validation(`content: at most ${MAX_CONTENT} characters`, 'content');
  if (!content.trim() && !hasAttachments)
    throw validation('content: a message needs content, attachments or embeds', 'content');
  return content;
}

const key = (channelId: string, messageId: string) => `${channelId}:${messageId}`;
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1_000));

/**
 * The mentions of the content that take effect: users who can see the container (participants in
 * DMs), roles of its guild, and @everyone/@here only from a sender holding MENTION_EVERYONE. The
 * rest stay plain text.
 */
async function effectiveMentions(
  ctx: MessagesContext,
  access: Access & { userId: string },
  content: string,
): Promise<MessageMentions> {
  const parsed = parseMentions(content);
  const { facts, userId } = access;
  const others = parsed.users.filter((user) => user !== userId);
  const [theirFacts, guildRoles] = await Promise.all([
    ctx.stores.access.forUsers(facts, others),
    facts.guildId && parsed.roles.length
      ? ctx.stores.messages.rolesOfGuild(facts.guildId, parsed.roles)
      : new Set<string>(),
  ]);
  const broadcast = has(access.bits, PERMISSIONS.MENTION_EVERYONE);
  return {
    users: parsed.users.filter((user) => {
      if (user === userId) return true;
      const theirs = theirFacts.get(user);
      return theirs !== undefined && has(permissionsIn(theirs, user), PERMISSIONS.VIEW_CHANNEL);
    }),
    roles: parsed.roles.filter((role) => guildRoles.has(role)),
    everyone: broadcast && parsed.everyone,
    here: broadcast && parsed.here,
  };
}

/**
 * The content as it is stored: custom emoji tags the sender may not use (unknown emoji, or one of a
 * guild they are not a member of) become `:name:`. Membership of the emoji's guild decides, in guild
 * channels and DMs alike.
 */
async function withUsableEmoji(ctx: MessagesContext, userId: string, content: string): Promise<string> {
  const ids = customEmojiIds(content);
  if (!ids.length) return content;
  return rewriteCustomEmoji(content, await ctx.stores.messages.usableEmojis(userId, ids));
}

/** The message a reply points at: in the same container, read with READ_MESSAGE_HISTORY (as Discord). */
async function replyTarget(ctx: MessagesContext, access: Access, raw: string): Promise<string> {
  const replyToId = id(raw, 'replyToId');
  requireInChannel(access.bits, 'READ_MESSAGE_HISTORY');
  if (!(await ctx.loaders.message.load(key(access.containerId, replyToId))))
    throw new DomainError('NOT_FOUND', 'replyToId: unknown or foreign message id.', {
      details: { field: 'replyToId' },
    });
  return replyToId;
}

/** Spends the per-user send limit, then slowmode unless the sender moderates the channel. */
async function spendLimits(ctx: MessagesContext, access: Access & { userId: string }): Promise<void> {
  const sent = await ctx.sendLimiter.consume(access.userId);
  if (!sent.allowed) throw rateLimited(seconds(sent.retryAfterMs));
  const { slowmodeSeconds, channelId } = access.facts;
  const exempt =
    has(access.bits, PERMISSIONS.MANAGE_MESSAGES) || has(access.bits, PERMISSIONS.MANAGE_CHANNELS);
  if (slowmodeSeconds <= 0 || exempt) return;
  // One window per parent channel: a thread shares its parent's slowmode.
  const slow = await ctx.slowmode(channelId, access.userId, slowmodeSeconds);
  if (!slow.allowed) throw rateLimited(seconds(slow.retryAfterMs));
}

async function sendMessage(
  ctx: MessagesContext,
  args: {
    channelId: string;
    content?: string | null;
    nonce?: string | null;
    replyToId?: string | null;
    attachmentIds?: readonly string[] | null;
    embeds?: readonly EmbedInput[] | null;
  },
): Promise<TimelineMessage> {
  const access = await sendable(ctx, id(args.channelId, 'channelId'));
  const attachmentIds = (args.attachmentIds ?? []).map((a) => id(a, 'attachmentIds'));
  if (attachmentIds.length > 0) requirePermissions(access.bits, 'ATTACH_FILES');
  // Rich embeds need EMBED_LINKS, as Discord's; so do link previews, decided at send time.
  const embeds = args.embeds?.length ? richEmbedsFrom(args.embeds) : [];
  if (embeds.length > 0) requirePermissions(access.bits, 'EMBED_LINKS');
  const content = await withUsableEmoji(
    ctx,
    access.userId,
    checkContent(args.content ?? '', attachmentIds.length + embeds.length > 0),
  );
  const clientNonce = args.nonce == null ? null : parseInput(nonce, args.nonce, 'nonce');
  const replyToId = args.replyToId == null ? null : await replyTarget(ctx, access, args.replyToId);
  const mentions = await effectiveMentions(ctx, access, content);
  const { facts, containerId, userId } = access;
  const outcome = await ctx.stores.messages.send({
    channelId: containerId,
    parentChannelId: facts.channelId,
    guildId: facts.guildId,
    authorId: userId,
    content,
    replyToId,
    mentions,
    nonce: clientNonce,
    attachmentIds,
    embeds,
    linkPreviews: has(access.bits, PERMISSIONS.EMBED_LINKS),
    beforeWrite: () => spendLimits(ctx, access),
  });
  if ('sent' in outcome) {
    ctx.loaders.message.prime(key(containerId, outcome.sent.id), outcome.sent);
    return outcome.sent;
  }
  const { replay } = outcome;
  if (replay.channelId !== containerId)
    throw conflict('nonce: already used for a message in another channel.', { field: 'nonce' });
  const original = await ctx.loaders.message.load(key(replay.channelId, replay.messageId));
  // The message the nonce sent was deleted since.
  if (!original) throw notFound('Message');
  return original;
}

async function editMessage(
  ctx: MessagesContext,
  args: { channelId: string; messageId: string; content: string },
): Promise<TimelineMessage> {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  const { access, message } = await readableMessage(ctx, args.channelId, args.messageId);
  const author = access as Access & { userId: string };
  if (message.authorId !== author.userId) throw forbidden('Only its author can edit a message.');
  if (message.kind !== 'default') throw forbidden('System messages cannot be edited.');
  const content = await withUsableEmoji(
    ctx,
    author.userId,
    checkContent(args.content, message.attachments.length + message.embeds.length > 0),
  );
  const mentions = await effectiveMentions(ctx, author, content);
  const linkPreviews = has(author.bits, PERMISSIONS.EMBED_LINKS);
  const edited = await ctx.stores.messages.edit(message, content, mentions, linkPreviews);
  ctx.loaders.message
    .clear(key(message.channelId, message.id))
    .prime(key(message.channelId, message.id), edited);
  return edited;
}

/** Hides or shows a message's link previews: its author, or a MANAGE_MESSAGES holder. */
async function suppressEmbeds(
  ctx: MessagesContext,
  args: { channelId: string; messageId: string; suppressed: boolean },
): Promise<TimelineMessage> {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  const { access, message } = await readableMessage(ctx, args.channelId, args.messageId);
  const { userId } = access as Access & { userId: string };
  if (message.authorId !== userId) requirePermissions(access.bits, 'MANAGE_MESSAGES');
  if (message.embedsSuppressed === args.suppressed) return message;
  const changed = await ctx.stores.messages.suppressEmbeds(message, args.suppressed);
  ctx.loaders.message
    .clear(key(message.channelId, message.id))
    .prime(key(message.channelId, message.id), changed);
  return changed;
}

/** The caller's access for deleting: they must see the container (the author included). */
async function deleter(ctx: MessagesContext, channelId: string) {
  const access = await asUser(ctx, id(channelId, 'channelId'));
  requireInChannel(access.bits);
  return access;
}

async function deleteMessage(
  ctx: MessagesContext,
  args: { channelId: string; messageId: string },
): Promise<string> {
  const access = await deleter(ctx, args.channelId);
  const message = await ctx.loaders.message.load(key(access.containerId, id(args.messageId, 'messageId')));
  if (!message) throw notFound('Message');
  if (message.authorId !== access.userId) requirePermissions(access.bits, 'MANAGE_MESSAGES');
  await ctx.stores.messages.delete({
    channelId: message.channelId,
    parentChannelId: message.parentChannelId,
    guildId: message.guildId,
    actorId: access.userId,
    ids: [message.id],
  });
  ctx.loaders.message.clear(key(message.channelId, message.id));
  return message.id;
}

async function bulkDeleteMessages(
  ctx: MessagesContext,
  args: { channelId: string; messageIds: readonly string[] },
): Promise<string[]> {
  const access = await deleter(ctx, args.channelId);
  requirePermissions(access.bits, 'MANAGE_MESSAGES');
  const wanted = parseInput(bulkIds, args.messageIds, 'messageIds');
  const found = new Set((await ctx.timeline.get(access.containerId, wanted)).map((m) => m.id));
  const ids = wanted.filter((messageId) => found.has(messageId));
  if (!ids.length) return [];
  await ctx.stores.messages.bulkDelete({
    channelId: access.containerId,
    parentChannelId: access.facts.channelId,
    guildId: access.facts.guildId,
    actorId: access.userId,
    ids,
  });
  for (const messageId of ids) ctx.loaders.message.clear(key(access.containerId, messageId));
  return ids;
}

/** Edit histories by "channelId:messageId", batched per request. */
const editHistories = new WeakMap<MessagesContext, DataLoader<string, MessageVersionRow[]>>();
function editHistoryOf(ctx: MessagesContext, message: TimelineMessage): Promise<MessageVersionRow[]> {
  let loader = editHistories.get(ctx);
  if (!loader) {
    loader = new DataLoader((keys: readonly string[]) => ctx.stores.messages.editHistory(keys));
    editHistories.set(ctx, loader);
  }
  return loader.load(key(message.channelId, message.id));
}

export const resolvers: Resolvers = {
  Message: {
    __resolveReference: async (ref, ctx) => (await readableMessage(ctx, ref.channelId, ref.id)).message,
    channel: (message) => ({ id: message.parentChannelId }),
    author: (message) => ({ id: message.authorId }),
    // A stub the guilds subgraph resolves, one batch per page; a thread's messages carry its guild.
    member: (message) =>
      message.guildId && message.kind === 'default'
        ? { guildId: message.guildId, userId: message.authorId }
        : null,
    kind: (message) => (message.kind === 'guild_member_join' ? 'GUILD_MEMBER_JOIN' : 'DEFAULT'),
    createdAt: (message) => snowflakeTime(message.id),
    // Never edited: no history to read.
    editHistory: (message, _args, ctx) => (message.editedAt ? editHistoryOf(ctx, message) : []),
    replyTo: (message) =>
      message.replyToId ? { channelId: message.channelId, messageId: message.replyToId } : null,
    mentions: (message) => ({
      ...message.mentions,
      users: message.mentions.users.map((u) => ({ id: u })),
      roleIds: message.mentions.roles,
    }),
    embeds: (message) => embedsOf(message),
  },

  // The referenced message lives in the reply's container, or is a thread's starter in its parent
  // channel, which a thread's viewer may see without READ_MESSAGE_HISTORY: it is shown to those who
  // may read history there (as messages()), and null to others. `deleted` stays true to the store.
  MessageReference: {
    messageId: (ref) => ref.messageId,
    message: async (ref, _args, ctx) =>
      (await mayRead(ctx, ref.channelId))
        ? ((await ctx.loaders.message.load(key(ref.channelId, ref.messageId))) ?? null)
        : null,
    deleted: async (ref, _args, ctx) => !(await ctx.loaders.message.load(key(ref.channelId, ref.messageId))),
  },

  Channel: {
    __resolveReference: (ref) => ({ id: ref.id }),
    messages: (channel, args, ctx) => history(ctx, channel.id, args),
  },

  Query: {
    message: async (_root, args, ctx) => (await readableMessage(ctx, args.channelId, args.id)).message,
    messages: (_root, args, ctx) => history(ctx, args.channelId, args),
    messagesByIds: (_root, args, ctx) => messagesByIds(ctx, args.channelId, args.ids),
  },

  Mutation: {
    sendMessage: (_root, args, ctx) => sendMessage(ctx, args),
    editMessage: (_root, args, ctx) => editMessage(ctx, args),
    suppressEmbeds: (_root, args, ctx) => suppressEmbeds(ctx, args),
    deleteMessage: (_root, args, ctx) => deleteMessage(ctx, args),
    bulkDeleteMessages: (_root, args, ctx) => bulkDeleteMessages(ctx, args),
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
