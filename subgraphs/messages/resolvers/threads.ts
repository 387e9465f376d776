import { AUTO_ARCHIVE_MINUTES } from '@gochat/drizzle';
import { forbidden, notFound, parseInput, unauthenticated, validation } from '@gochat/errors';
import { PERMISSIONS, has, isTimedOut, requirePermissions, type PermissionName } from '@gochat/permissions';
import DataLoader from 'dataloader';
import { z } from 'zod';

import { accessTo, asUser, id, isArchived, requireInChannel, type Access } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { ThreadRow } from '../store/rows.ts';
import { archivedAtOf, type ThreadPatch } from '../store/threads.ts';
import type { MessagesContext } from './context.ts';

const nameSchema = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters');
const durationSchema = z
  .number()
  .int()
  .refine((m) => (AUTO_ARCHIVE_MINUTES as readonly number[]).includes(m), {
    message: `must be one of ${AUTO_ARCHIVE_MINUTES.join(', ')}`,
  });
const limitSchema = z.number().int().min(1, 'at least 1').max(100, 'at most 100');

interface ThreadLoaders {
  byId: DataLoader<string, ThreadRow | undefined>;
  byStarter: DataLoader<string, ThreadRow | undefined>;
  memberCount: DataLoader<string, number>;
  joined: DataLoader<string, boolean>;
}

/** Per-request batching for thread fields; keyed by the request's context, which lives as long as it. */
const perRequest = new WeakMap<MessagesContext, ThreadLoaders>();

function loadersOf(ctx: MessagesContext): ThreadLoaders {
  let loaders = perRequest.get(ctx);
  if (loaders) return loaders;
  const store = ctx.stores.threads;
  const viewer = ctx.identity.kind === 'user' ? ctx.identity.userId : undefined;
  loaders = {
    byId: new DataLoader(async (ids) => {
      const found = new Map((await store.threadsByIds(ids)).map((t) => [t.id, t]));
      return ids.map((key) => found.get(key));
    }),
    byStarter: new DataLoader(async (ids) => {
      const found = new Map((await store.threadsByStarters(ids)).map((t) => [t.starterMessageId, t]));
      return ids.map((key) => found.get(key));
    }),
    memberCount: new DataLoader(async (ids) => {
      const counts = await store.memberCounts(ids);
      return ids.map((key) => counts.get(key) ?? 0);
    }),
    joined: new DataLoader(async (ids) => {
      const joined = viewer ? await store.joinedBy(ids, viewer) : new Set<string>();
      return ids.map((key) => joined.has(key));
    }),
  };
  perRequest.set(ctx, loaders);
  return loaders;
}

/**
 * The thread and the caller's access to it: NOT_FOUND for unknown ids and for channels that are not
 * threads; FORBIDDEN without VIEW_CHANNEL in its parent channel (threads inherit the parent's).
 */
async function threadAccess(ctx: MessagesContext, threadId: string): Promise<Access & { thread: ThreadRow }> {
  const facts = await ctx.loaders.access.load(id(threadId, 'threadId'));
  if (!facts?.thread || facts.guildId === null) {
    if (ctx.identity.kind === 'anonymous') throw unauthenticated();
    throw notFound('Thread');
  }
  const access = await accessTo(ctx, threadId);
  if (access.userId !== undefined) requireInChannel(access.bits);
  return { ...access, thread: { ...facts.thread, guildId: facts.guildId } };
}

/** threadAccess for mutations: signed-in users only. */
async function threadAccessAsUser(ctx: MessagesContext, threadId: string) {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  return (await threadAccess(ctx, threadId)) as Access & { thread: ThreadRow; userId: string };
}

/**
 * updateThread's rules for the thread as it is: name, auto-archive and archive by its owner (unless
 * timed out) or MANAGE_THREADS; lock and unlock, and unarchiving a locked thread, by MANAGE_THREADS.
 */
function authorizeUpdate(access: Access & { userId: string }, patch: ThreadPatch) {
  return (current: ThreadRow): void => {
    const { bits, facts, userId } = access;
    if (patch.locked !== undefined) requirePermissions(bits, 'MANAGE_THREADS');
    if (patch.archived === false && current.locked) requirePermissions(bits, 'MANAGE_THREADS');
    const ownerOrManager =
      has(bits, PERMISSIONS.MANAGE_THREADS) ||
      (current.ownerId === userId && !isTimedOut(facts.member?.timeoutUntil ?? null));
    const asksOwnerField =
      patch.name !== undefined || patch.autoArchiveMinutes !== undefined || patch.archived !== undefined;
    if (asksOwnerField && !ownerOrManager)
      throw forbidden("Only the thread's owner or members with MANAGE_THREADS can change it.");
  };
}

const defined = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

export const resolvers: Resolvers = {
  Thread: {
    __resolveReference: async (ref, ctx) => (await threadAccess(ctx, ref.id)).thread,
    parentChannel: (thread) => ({ id: thread.parentId }),
    owner: (thread) => (thread.ownerId ? { id: thread.ownerId } : null),
    starterMessage: (thread) =>
      thread.starterMessageId ? { channelId: thread.parentId, messageId: thread.starterMessageId } : null,
    archived: (thread) => isArchived(thread),
    archivedAt: (thread) => archivedAtOf(thread),
    memberCount: (thread, _args, ctx) => loadersOf(ctx).memberCount.load(thread.id),
    joined: (thread, _args, ctx) => loadersOf(ctx).joined.load(thread.id),
    members: (thread, args, ctx) =>
      ctx.stores.threads.members(
        thread.id,
        parseInput(limitSchema, args.limit ?? 50, 'limit'),
        args.after ? id(args.after, 'after') : undefined,
      ),
  },

  ThreadMember: {
    user: (member) => ({ id: member.userId }),
  },

  Message: {
    // A thread's access is its parent channel's, which the message's reader already passed.
    thread: async (message, _args, ctx) =>
      message.channelId === message.parentChannelId
        ? null
        : ((await loadersOf(ctx).byId.load(message.channelId)) ?? null),
    startedThread: async (message, _args, ctx) =>
      message.channelId === message.parentChannelId
        ? ((await loadersOf(ctx).byStarter.load(message.id)) ?? null)
        : null,
  },

  Channel: {
    threads: async (channel, args, ctx) => {
      const access = await accessTo(ctx, id(channel.id, 'channelId'));
      if (access.userId !== undefined) requireInChannel(access.bits);
      const limit = parseInput(limitSchema, args.limit ?? 50, 'limit');
      const before = args.before ? id(args.before, 'before') : undefined;
      const { facts } = access;
      if (facts.thread || facts.kind !== 'text' || facts.guildId === null) return [];
      return ctx.stores.threads.threadsOf(channel.id, { archived: args.archived ?? false, limit, before });
    },
  },

  Query: {
    thread: async (_root, args, ctx) => (await threadAccess(ctx, args.id)).thread,
  },

  Mutation: {
    createThread: async (_root, args, ctx) => {
      const channelId = id(args.channelId, 'channelId');
      const { facts, bits, userId } = await asUser(ctx, channelId);
      requireInChannel(bits);
      if (facts.thread || facts.kind !== 'text' || facts.guildId === null)
        throw validation('channelId: threads can only be created in guild text channels', 'channelId');
      const needed: PermissionName[] = args.messageId
        ? ['CREATE_THREADS', 'READ_MESSAGE_HISTORY']
        : ['CREATE_THREADS'];
      requirePermissions(bits, ...needed);
      const name = parseInput(nameSchema, args.name, 'name');
      const autoArchiveMinutes = parseInput(
        durationSchema,
        args.autoArchiveMinutes ?? 1440,
        'autoArchiveMinutes',
      );
      let starterMessageId: string | null = null;
      if (args.messageId) {
        starterMessageId = id(args.messageId, 'messageId');
        if (!(await ctx.loaders.message.load(`${channelId}:${starterMessageId}`))) throw notFound('Message');
      }
      return ctx.stores.threads.create({
        parentId: channelId,
        guildId: facts.guildId,
        ownerId: userId,
        name,
        starterMessageId,
        autoArchiveMinutes,
      });
    },

    updateThread: async (_root, args, ctx) => {
      const access = await threadAccessAsUser(ctx, args.threadId);
      const patch: ThreadPatch = {
        name: defined(args.name),
        autoArchiveMinutes: defined(args.autoArchiveMinutes),
        archived: defined(args.archived),
        locked: defined(args.locked),
      };
      const authorize = authorizeUpdate(access, patch);
      authorize(access.thread);
      if (patch.name !== undefined) patch.name = parseInput(nameSchema, patch.name, 'name');
      if (patch.autoArchiveMinutes !== undefined)
        patch.autoArchiveMinutes = parseInput(durationSchema, patch.autoArchiveMinutes, 'autoArchiveMinutes');
      return ctx.stores.threads.update(access.thread.id, access.userId, patch, authorize);
    },

    joinThread: async (_root, args, ctx) => {
      const { thread, facts, userId } = await threadAccessAsUser(ctx, args.threadId);
      if (isTimedOut(facts.member?.timeoutUntil ?? null)) throw forbidden('You are timed out.');
      if (isArchived(thread)) throw validation('threadId: the thread is archived', 'threadId');
      return ctx.stores.threads.join(thread, userId);
    },

    leaveThread: async (_root, args, ctx) => {
      const { thread, userId } = await threadAccessAsUser(ctx, args.threadId);
      return ctx.stores.threads.leave(thread, userId);
    },
  },
};
