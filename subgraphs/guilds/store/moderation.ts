import { isForeignKeyViolation, queryRows, type Database, type Transaction } from '@gochat/db';
import { bans, guildMembers, user } from '@gochat/drizzle';
import { notFound } from '@gochat/errors';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import { EPOCH_MS, type SnowflakeGenerator } from '@gochat/ids';
import { and, asc, eq, gt, sql } from 'drizzle-orm';

import { settleLastMessage } from '../../messages/store/channel-state.ts';
import type { MessageTimeline, TimelineMutation } from '../../messages/timeline/port.ts';
import { diff } from './audit.ts';
import { banIs, memberIs } from './queries.ts';
import { pageOf, type BanRow, type Page } from './rows.ts';
import { guildEvent, lockGuild, memberRemoved, recordChange } from './tx.ts';

/** Bits below a snowflake's timestamp: 10 of worker id and 12 of sequence (packages/ids/src/snowflake.ts). */
const TIMESTAMP_SHIFT = 22n;
const DAY_MS = 86_400_000;

/**
 * The smallest snowflake that can have been issued at `at` or later: everything created since `at`
 * has an id >= it. Instants before the epoch give 0.
 */
export function snowflakeFloor(at: Date): string {
  const ms = BigInt(at.getTime()) - EPOCH_MS;
  return (ms > 0n ? ms << TIMESTAMP_SHIFT : 0n).toString();
}

export interface BanInput {
  guildId: string;
  userId: string;
  actorId: string;
  reason: string | null;
  /** 0-7: also delete the user's messages of the last N days in the guild's channels. */
  deleteMessageDays: number;
}

export interface ModerationInput {
  guildId: string;
  userId: string;
  actorId: string;
  reason: string | null;
}

export function moderationStore(db: Database, ids: SnowflakeGenerator, timeline: MessageTimeline) {
  return {
    async userExists(userId: string): Promise<boolean> {
      const [row] = await db.select({ id: user.id }).from(user).where(eq(user.id, userId));
      return row !== undefined;
    },

    async banOf(guildId: string, userId: string): Promise<BanRow | undefined> {
      const [row] = await db.select().from(bans).where(banIs(guildId, userId));
      return row;
    },

    /** A page of the guild's bans by user id, after the cursor. */
    async bansPage(guildId: string, first: number, after?: string): Promise<Page<BanRow>> {
      const rows = await db
        .select()
        .from(bans)
        .where(after ? and(eq(bans.guildId, guildId), gt(bans.userId, after)) : eq(bans.guildId, guildId))
        .orderBy(asc(bans.userId))
        .limit(first + 1);
      return pageOf(rows, first, (r) => r.userId);
    },

    /** Removes the membership with a MEMBER_KICK audit entry and GuildMemberRemoved events; NOT_FOUND for non-members. */
    kickMember: (input: ModerationInput): Promise<void> =>
      db.transaction(async (tx) => {
        const { guildId, userId } = input;
        const removed = await tx
          .delete(guildMembers)
          .where(memberIs(guildId, userId))
          .returning({ userId: guildMembers.userId });
        if (removed.length === 0) throw notFound('Member');
        const audit = { action: 'MEMBER_KICK', targetType: 'MEMBER', targetId: userId } as const;
        await recordChange(tx, ids, input, audit, memberRemoved(input, userId, 'kick'));
      }),

    /**
     * Bans the user (a repeated ban updates reason and moderator), removes their membership and, when
     * asked, their messages of the last N days in the guild's channels, with a MEMBER_BAN_ADD audit
     * entry and the events, in one commit. The guild row is locked `for no key update`, which orders
     * the ban against concurrent invite accepts (they hold it `for share`).
     */
    banMember: async (
      input: BanInput,
    ): Promise<{ ban: BanRow; wasMember: boolean; deletedMessages: number }> => {
      const staged: { eventId: string; mutation: Extract<TimelineMutation, { op: 'delete' }> }[] = [];
      const banned = await db
        .transaction(async (tx) => {
          const { guildId, userId, actorId, reason, deleteMessageDays } = input;
          await lockGuild(tx, guildId, 'no key update');
          const [ban] = await tx
            .insert(bans)
            .values({ guildId, userId, reason, moderatorId: actorId })
            .onConflictDoUpdate({
              target: [bans.guildId, bans.userId],
              set: { reason, moderatorId: actorId },
            })
            .returning();
          if (!ban) throw new Error('upsert returned no ban');
          const removed = await tx
            .delete(guildMembers)
            .where(memberIs(guildId, userId))
            .returning({ userId: guildMembers.userId });
          const wasMember = removed.length > 0;

          const events: NewEvent[] = [];
          let deletedMessages = 0;
          if (deleteMessageDays > 0) {
            const since = snowflakeFloor(new Date(Date.now() - deleteMessageDays * DAY_MS));
            const byContainer = await purgeMessages(tx, timeline, guildId, userId, since);
            for (const [channelId, { parentChannelId, messageIds }] of byContainer) {
              deletedMessages += messageIds.length;
              events.push(
                newEvent('MessagesBulkDeleted', subjects.channelMessages(guildId, channelId), {
                  channelId,
                  parentChannelId,
                  guildId,
                  messageIds,
                }),
              );
            }
          }

          if (wasMember) events.push(...memberRemoved(input, userId, 'ban'));
          events.push(guildEvent(input, 'GuildBanAdded', { userId, deletedMessages }));
          const changes = diff({}, { deleteMessageDays, deletedMessages });
          const published = await recordChange(
            tx,
            ids,
            input,
            { action: 'MEMBER_BAN_ADD', targetType: 'MEMBER', targetId: userId, changes },
            events,
          );
          // Each container's delete is announced by its MessagesBulkDeleted (decision 0015).
          const deletedAt = new Date().toISOString();
          for (const event of published) {
            if (event.type !== 'MessagesBulkDeleted') continue;
            const { channelId, messageIds } = event.data as { channelId: string; messageIds: string[] };
            const mutation = { op: 'delete', channelId, ids: messageIds, deletedAt } as const;
            await timeline.stage(tx, event.id, mutation);
            staged.push({ eventId: event.id, mutation });
          }
          return { ban, wasMember, deletedMessages };
        })
        .catch((error: unknown) => {
          // The user's account was deleted meanwhile (bans.user_id references it).
          if (isForeignKeyViolation(error)) throw notFound('User');
          throw error;
        });
      for (const { eventId, mutation } of staged) {
        await timeline.afterCommit(eventId, mutation);
        await settleLastMessage(db, timeline, mutation.channelId, mutation.ids);
      }
      return banned;
    },

    /** Lifts the ban with a MEMBER_BAN_REMOVE audit entry and a GuildBanRemoved event; NOT_FOUND when not banned. */
    unbanMember: (input: ModerationInput): Promise<void> =>
      db.transaction(async (tx) => {
        const { guildId, userId } = input;
        const [removed] = await tx.delete(bans).where(banIs(guildId, userId)).returning();
        if (!removed) throw notFound('Ban');
        const changes = [{ key: 'reason', before: removed.reason }];
        await recordChange(
          tx,
          ids,
          input,
          { action: 'MEMBER_BAN_REMOVE', targetType: 'MEMBER', targetId: userId, changes },
          [guildEvent(input, 'GuildBanRemoved', { userId })],
        );
      }),
  };
}

/**
 * Finds the user's messages in the guild's text channels and threads since the id (through the
 * message-store port, so ScyllaDB too) and removes what hangs off them: reactions, pins, mentions,
 * edit history, settling pin counts. The containers' channel_state rows are locked first, in id order,
 * as pins and deletes in the messages subgraph lock them, so the two never deadlock. The messages
 * themselves are deleted by the caller's staged timeline mutations. Returns the ids per container,
 * ascending.
 */
async function purgeMessages(
  tx: Transaction,
  timeline: MessageTimeline,
  guildId: string,
  userId: string,
  since: string,
): Promise<Map<string, { parentChannelId: string; messageIds: string[] }>> {
  const containers = await queryRows<{ id: string; parent: string }>(
    tx,
    sql`/* guilds.banMember purge: containers */
      select id::text as id, id::text as parent from channels where guild_id = ${guildId} and kind = 'text'
      union all
      select id::text as id, parent_id::text as parent from threads where guild_id = ${guildId}`,
  );
  const parentOf = new Map(containers.map((c) => [c.id, c.parent]));
  const found = await timeline.authoredSince(
    containers.map((c) => c.id),
    userId,
    since,
    tx,
  );
  const byContainer = new Map<string, { parentChannelId: string; messageIds: string[] }>();
  for (const { channelId, id } of found) {
    const entry = byContainer.get(channelId) ?? {
      parentChannelId: parentOf.get(channelId) ?? channelId,
      messageIds: [],
    };
    entry.messageIds.push(id);
    byContainer.set(channelId, entry);
  }
  for (const { messageIds } of byContainer.values())
    messageIds.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  if (found.length === 0) return byContainer;

  const list = (values: Iterable<string>) =>
    sql.join(
      [...values].map((v) => sql`${v}::bigint`),
      sql`, `,
    );
  const containerList = list(byContainer.keys());
  const messageList = list(found.map((f) => f.id));
  await tx.execute(sql`/* guilds.banMember purge: lock containers */
    select 1 from channel_state where channel_id in (${containerList}) order by channel_id for update`);
  await tx.execute(sql`/* guilds.banMember purge: dependents */
    with reactions_gone as (delete from reactions where message_id in (${messageList})),
         pins_gone as (delete from pins where message_id in (${messageList})),
         mentions_gone as (delete from mentions where message_id in (${messageList}))
    delete from message_edits where message_id in (${messageList})`);
  await tx.execute(sql`/* guilds.banMember purge: pin counts */
    update channel_state cs
    set pin_count = (select count(*)::int from pins p where p.channel_id = cs.channel_id)
    where cs.channel_id in (${containerList})`);
  return byContainer;
}
