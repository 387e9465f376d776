import { isForeignKeyViolation, queryRows, type Database, type Transaction } from '@gochat/db';
import { bans, guildMembers, user } from '@gochat/drizzle';
import { notFound } from '@gochat/errors';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import { EPOCH_MS, type SnowflakeGenerator } from '@gochat/ids';
import { commitMessageWrites, type MessageDeletion, type MessageTimeline } from '@gochat/message-store';
import { and, asc, eq, gt, sql } from 'drizzle-orm';

import { diff } from './audit.ts';
import { releaseMemberAvatars } from './member-avatars.ts';
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
          .returning({ userId: guildMembers.userId, avatarUploadId: guildMembers.avatarUploadId });
        if (removed.length === 0) throw notFound('Member');
        await releaseMemberAvatars(tx, removed);
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
      commitMessageWrites({ db, timeline }, async (tx, writes) => {
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
          .returning({ userId: guildMembers.userId, avatarUploadId: guildMembers.avatarUploadId });
        const wasMember = removed.length > 0;
        await releaseMemberAvatars(tx, removed);

        const events: NewEvent[] = [];
        let deletedMessages = 0;
        if (deleteMessageDays > 0) {
          const since = snowflakeFloor(new Date(Date.now() - deleteMessageDays * DAY_MS));
          const byContainer = await recentMessagesOf(tx, timeline, guildId, userId, since);
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
        // The messages go with their dependents, each container's delete announced by its
        // MessagesBulkDeleted (decision 0015).
        const deletions: MessageDeletion[] = [];
        for (const event of published) {
          if (event.type !== 'MessagesBulkDeleted') continue;
          const { channelId, messageIds } = event.data as { channelId: string; messageIds: string[] };
          deletions.push({ channelId, ids: messageIds, eventId: event.id });
        }
        await writes.remove(deletions);
        return { ban, wasMember, deletedMessages };
      }).catch((error: unknown) => {
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
 * The user's messages in the guild's text channels and threads since the id, found through the
 * message-store port (so ScyllaDB too), per container with their parent channel, ids ascending.
 */
async function recentMessagesOf(
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
  return byContainer;
}
