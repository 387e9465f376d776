import { isForeignKeyViolation, queryRows, type Database, type Transaction } from '@gochat/db';
import { bans, guildMembers, user } from '@gochat/drizzle';
import { notFound } from '@gochat/errors';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import { EPOCH_MS, type SnowflakeGenerator } from '@gochat/ids';
import { and, asc, eq, gt, sql } from 'drizzle-orm';

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

export function moderationStore(db: Database, ids: SnowflakeGenerator) {
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
    banMember: (input: BanInput): Promise<{ ban: BanRow; wasMember: boolean; deletedMessages: number }> =>
      db
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
            const deleted = await purgeMessages(tx, guildId, userId, since);
            deletedMessages = deleted.length;
            const byChannel = new Map<string, string[]>();
            for (const row of deleted) {
              const channelId = String(row.channel_id);
              const list = byChannel.get(channelId) ?? [];
              list.push(String(row.id));
              byChannel.set(channelId, list);
            }
            for (const [channelId, messageIds] of byChannel)
              events.push(
                newEvent('MessagesBulkDeleted', subjects.channelMessages(channelId), {
                  channelId,
                  guildId,
                  messageIds: messageIds.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
                }),
              );
          }

          if (wasMember) events.push(...memberRemoved(input, userId, 'ban'));
          events.push(guildEvent(input, 'GuildBanAdded', { userId, deletedMessages }));
          const changes = diff({}, { deleteMessageDays, deletedMessages });
          await recordChange(
            tx,
            ids,
            input,
            { action: 'MEMBER_BAN_ADD', targetType: 'MEMBER', targetId: userId, changes },
            events,
          );
          return { ban, wasMember, deletedMessages };
        })
        .catch((error: unknown) => {
          // The user's account was deleted meanwhile (bans.user_id references it).
          if (isForeignKeyViolation(error)) throw notFound('User');
          throw error;
        }),

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
 * Deletes the user's messages in the guild (its channels and their threads) since the id, with what
 * hangs off them (reactions, pins, mentions, edit history), and settles each container's pin count and
 * last message. The containers' channel_state rows are locked first, in id order, as pins and deletes
 * in the messages subgraph lock them, so the two never deadlock (decision 0013).
 */
async function purgeMessages(tx: Transaction, guildId: string, userId: string, since: string) {
  await tx.execute(sql`/* guilds.banMember purge: lock containers */
    select 1 from channel_state
    where channel_id in (select distinct channel_id from messages
                         where guild_id = ${guildId} and author_id = ${userId} and id >= ${since})
    order by channel_id for update`);
  const deleted = await queryRows<{ id: string | bigint; channel_id: string | bigint }>(
    tx,
    sql`/* guilds.banMember purge */
      with purged as (
        delete from messages where guild_id = ${guildId} and author_id = ${userId} and id >= ${since}
        returning id, channel_id),
      reactions_gone as (delete from reactions where message_id in (select id from purged)),
      pins_gone as (delete from pins where message_id in (select id from purged)),
      mentions_gone as (delete from mentions where message_id in (select id from purged)),
      edits_gone as (delete from message_edits where message_id in (select id from purged))
      select id, channel_id from purged`,
  );
  if (deleted.length === 0) return deleted;
  const containers = [...new Set(deleted.map((row) => String(row.channel_id)))];
  const list = sql.join(
    containers.map((id) => sql`${id}::bigint`),
    sql`, `,
  );
  await tx.execute(sql`/* guilds.banMember purge: settle containers */
    update channel_state cs
    set pin_count = (select count(*)::int from pins p where p.channel_id = cs.channel_id),
        last_message_id = (select max(m.id) from messages m where m.channel_id = cs.channel_id)
    where cs.channel_id in (${list})`);
  return deleted;
}
