import { isUniqueViolation } from '@gochat/db';
import { threadMembers, threads } from '@gochat/drizzle';
import { conflict, notFound } from '@gochat/errors';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import { commitChange } from '@gochat/message-store';
import { and, asc, count, desc, eq, gt, inArray, lt, not, sql, type SQL } from 'drizzle-orm';

import { isArchived } from '@gochat/channel-access';
import type { StoreDeps } from './deps.ts';
import type { ThreadMemberRow, ThreadRow } from './rows.ts';

export interface NewThread {
  parentId: string;
  guildId: string;
  ownerId: string;
  name: string;
  starterMessageId: string | null;
  autoArchiveMinutes: number;
}

/** What updateThread may change; undefined leaves a field as it is. */
export interface ThreadPatch {
  name?: string;
  autoArchiveMinutes?: number;
  archived?: boolean;
  locked?: boolean;
}

/** When the thread archived: explicitly (stored), or when it went idle past its auto-archive duration. */
export function archivedAtOf(thread: ThreadRow, now = new Date()): Date | null {
  if (thread.archived) return thread.archivedAt;
  if (!isArchived(thread, now)) return null;
  return new Date(thread.lastActivityAt.getTime() + thread.autoArchiveMinutes * 60_000);
}

/** The SQL twin of isArchived, so listings split active from archived the same way. */
const archivedSql = (now: Date): SQL =>
  sql`(${threads.archived} or ${threads.lastActivityAt} < ${now.toISOString()}::timestamptz - ${threads.autoArchiveMinutes} * interval '1 minute')`;

const toRow = (row: typeof threads.$inferSelect): ThreadRow => row;

export const createThreadsStore = (deps: StoreDeps) => {
  const { db } = deps;

  /** One user's membership change, with its event only when something changed. */
  const membership = (thread: ThreadRow, userId: string, joined: boolean): Promise<ThreadRow> =>
    commitChange(deps, async (tx) => {
      const changed = joined
        ? await tx
            .insert(threadMembers)
            .values({ threadId: thread.id, userId })
            .onConflictDoNothing()
            .returning({ userId: threadMembers.userId })
        : await tx
            .delete(threadMembers)
            .where(and(eq(threadMembers.threadId, thread.id), eq(threadMembers.userId, userId)))
            .returning({ userId: threadMembers.userId });
      const events = changed.length
        ? [
            newEvent('ThreadMembersUpdated', subjects.channelMessages(thread.guildId, thread.parentId), {
              guildId: thread.guildId,
              threadId: thread.id,
              userId,
              joined,
            }),
          ]
        : [];
      return { result: thread, events };
    });

  return {
    /**
     * Records the archive of threads idle past their auto-archive duration (at most `limit`), with a
     * ThreadUpdated each, so subscribers learn it; until then isArchived already treats them as archived.
     * SKIP LOCKED lets archivers in several processes share the work. Returns how many it archived.
     */
    archiveIdle: (now: Date, limit = 500): Promise<number> =>
      commitChange(deps, async (tx) => {
        const idle = tx
          .select({ id: threads.id })
          .from(threads)
          .where(and(not(threads.archived), archivedSql(now)))
          .limit(limit)
          .for('update', { skipLocked: true });
        const archived = await tx
          .update(threads)
          .set({
            archived: true,
            archivedAt: sql`${threads.lastActivityAt} + ${threads.autoArchiveMinutes} * interval '1 minute'`,
          })
          .where(inArray(threads.id, idle))
          .returning({ id: threads.id, guildId: threads.guildId, parentId: threads.parentId });
        const events = archived.map((thread) =>
          newEvent('ThreadUpdated', subjects.channelMessages(thread.guildId, thread.parentId), {
            guildId: thread.guildId,
            actorId: null,
            threadId: thread.id,
            parentChannelId: thread.parentId,
            fields: ['archived'],
          }),
        );
        return { result: archived.length, events };
      }),

    threadsByIds: async (ids: readonly string[]): Promise<ThreadRow[]> =>
      ids.length
        ? (
            await db
              .select()
              .from(threads)
              .where(inArray(threads.id, [...ids]))
          ).map(toRow)
        : [],

    threadsByStarters: async (messageIds: readonly string[]): Promise<ThreadRow[]> =>
      messageIds.length
        ? (
            await db
              .select()
              .from(threads)
              .where(inArray(threads.starterMessageId, [...messageIds]))
          ).map(toRow)
        : [],

    /** Member counts by thread id (threads without members are left out). */
    async memberCounts(threadIds: readonly string[]): Promise<Map<string, number>> {
      if (!threadIds.length) return new Map();
      const rows = await db
        .select({ threadId: threadMembers.threadId, n: count() })
        .from(threadMembers)
        .where(inArray(threadMembers.threadId, [...threadIds]))
        .groupBy(threadMembers.threadId);
      return new Map(rows.map((r) => [r.threadId, Number(r.n)]));
    },

    /** Which of the threads the user joined. */
    async joinedBy(threadIds: readonly string[], userId: string): Promise<Set<string>> {
      if (!threadIds.length) return new Set();
      const rows = await db
        .select({ threadId: threadMembers.threadId })
        .from(threadMembers)
        .where(and(eq(threadMembers.userId, userId), inArray(threadMembers.threadId, [...threadIds])));
      return new Set(rows.map((r) => r.threadId));
    },

    /** Members by user id, after `after`. */
    members: (threadId: string, limit: number, after: string | undefined): Promise<ThreadMemberRow[]> =>
      db
        .select({ userId: threadMembers.userId, joinedAt: threadMembers.joinedAt })
        .from(threadMembers)
        .where(
          and(
            eq(threadMembers.threadId, threadId),
            after === undefined ? undefined : gt(threadMembers.userId, after),
          ),
        )
        .orderBy(asc(threadMembers.userId))
        .limit(limit),

    /** A channel's active or archived threads, newest first, older than `before`. */
    async threadsOf(
      parentId: string,
      query: { archived: boolean; limit: number; before?: string },
      now = new Date(),
    ): Promise<ThreadRow[]> {
      const archived = archivedSql(now);
      const rows = await db
        .select()
        .from(threads)
        .where(
          and(
            eq(threads.parentId, parentId),
            query.archived ? archived : not(archived),
            query.before === undefined ? undefined : lt(threads.id, query.before),
          ),
        )
        .orderBy(desc(threads.id))
        .limit(query.limit);
      return rows.map(toRow);
    },

    /**
     * Creates the thread with its creator as its first member, and ThreadCreated. CONFLICT when the
     * starter message already has a thread: the partial unique index decides concurrent creations.
     */
    async create(input: NewThread): Promise<ThreadRow> {
      try {
        return await commitChange(deps, async (tx) => {
          const now = new Date();
          const [row] = await tx
            .insert(threads)
            .values({ id: deps.ids.next(), ...input, lastActivityAt: now, createdAt: now })
            .returning();
          if (!row) throw new Error('thread insert returned nothing');
          await tx.insert(threadMembers).values({ threadId: row.id, userId: input.ownerId, joinedAt: now });
          const events: NewEvent[] = [
            newEvent('ThreadCreated', subjects.channelMessages(input.guildId, input.parentId), {
              guildId: input.guildId,
              threadId: row.id,
              parentChannelId: input.parentId,
              ownerId: input.ownerId,
              starterMessageId: input.starterMessageId,
            }),
          ];
          return { result: toRow(row), events };
        });
      } catch (error) {
        if (isUniqueViolation(error, 'threads_starter_message_id_idx'))
          throw conflict('That message already has a thread.');
        throw error;
      }
    },

    /**
     * Applies the patch to the thread, locked for the transaction: `authorize` sees the current row
     * first (it throws to refuse), so a concurrent lock cannot slip past the check. Only real changes
     * are written and named in ThreadUpdated; a no-op writes and emits nothing. Unarchiving restarts
     * the inactivity clock; touching a thread archived by inactivity records that archive, so a longer
     * auto-archive duration does not revive it behind the unarchive rules.
     */
    update: (
      threadId: string,
      actorId: string,
      patch: ThreadPatch,
      authorize: (current: ThreadRow) => void,
    ): Promise<ThreadRow> =>
      commitChange(deps, async (tx) => {
        const [locked] = await tx.select().from(threads).where(eq(threads.id, threadId)).for('update');
        if (!locked) throw notFound('Thread');
        const current = toRow(locked);
        authorize(current);
        const now = new Date();
        const wasArchived = isArchived(current, now);
        const set: Partial<typeof threads.$inferInsert> = {};
        const fields: string[] = [];
        if (patch.name !== undefined && patch.name !== current.name) {
          set.name = patch.name;
          fields.push('name');
        }
        if (
          patch.autoArchiveMinutes !== undefined &&
          patch.autoArchiveMinutes !== current.autoArchiveMinutes
        ) {
          set.autoArchiveMinutes = patch.autoArchiveMinutes;
          fields.push('autoArchiveMinutes');
        }
        if (patch.locked !== undefined && patch.locked !== current.locked) {
          set.locked = patch.locked;
          fields.push('locked');
        }
        if (patch.archived !== undefined && patch.archived !== wasArchived) {
          Object.assign(
            set,
            patch.archived
              ? { archived: true, archivedAt: now }
              : { archived: false, archivedAt: null, lastActivityAt: now },
          );
          fields.push('archived');
        } else if (wasArchived && !current.archived && fields.length) {
          Object.assign(set, { archived: true, archivedAt: archivedAtOf(current, now) });
        }
        if (!fields.length) return { result: current, events: [] };
        const [row] = await tx.update(threads).set(set).where(eq(threads.id, threadId)).returning();
        if (!row) throw notFound('Thread');
        const events = [
          newEvent('ThreadUpdated', subjects.channelMessages(current.guildId, current.parentId), {
            guildId: current.guildId,
            actorId,
            threadId,
            parentChannelId: current.parentId,
            fields,
          }),
        ];
        return { result: toRow(row), events };
      }),

    join: (thread: ThreadRow, userId: string) => membership(thread, userId, true),
    leave: (thread: ThreadRow, userId: string) => membership(thread, userId, false),
  };
};
