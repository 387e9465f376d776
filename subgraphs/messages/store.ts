import { queryRows, type Database } from '@gochat/db';
import { channels, messages } from '@gochat/drizzle';
import { newEvent, subjects } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import { appendToOutbox } from '@gochat/outbox';
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';

export interface MessageRow {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  createdAt: Date;
}
export interface ChannelRef {
  id: string;
}
export interface UserRef {
  id: string;
}

export interface ChannelAccess {
  guildId: string;
  isMember: boolean;
}

/**
 * All of the messages subgraph's SQL. Access reads the guilds subgraph's tables read-only (one
 * database, domain-owned tables: docs/decisions/0003-shared-database.md).
 */
export function createMessagesStore(db: Database, ids: SnowflakeGenerator) {
  return {
    messagesByIds: (list: readonly string[]): Promise<MessageRow[]> =>
      list.length
        ? db
            .select()
            .from(messages)
            .where(inArray(messages.id, [...list]))
        : Promise.resolve([]),

    /** Newest first, strictly older than `before`; served by the (channel_id, id desc) index. */
    latest: (channelId: string, limit: number, before?: string): Promise<MessageRow[]> =>
      db
        .select()
        .from(messages)
        .where(
          before
            ? and(eq(messages.channelId, channelId), lt(messages.id, before))
            : eq(messages.channelId, channelId),
        )
        .orderBy(desc(messages.id))
        .limit(limit),

    /** The channel's guild and whether the user belongs to it; undefined when the channel does not exist. */
    async channelAccess(channelId: string, userId: string | undefined): Promise<ChannelAccess | undefined> {
      const rows = await queryRows<{ guild_id: string; is_member: boolean }>(
        db,
        sql`/* messages.channelAccess */
          select c.guild_id::text as guild_id,
                 exists(select 1 from guild_members m where m.guild_id = c.guild_id and m.user_id = ${userId ?? ''}) as is_member
          from ${channels} c where c.id = ${channelId}`,
      );
      const row = rows[0];
      return row ? { guildId: String(row.guild_id), isMember: Boolean(row.is_member) } : undefined;
    },

    /** Inserts the message and its MessageCreated event in one commit. */
    send: (input: {
      channelId: string;
      guildId: string;
      authorId: string;
      content: string;
    }): Promise<MessageRow> =>
      db.transaction(async (tx) => {
        const [row] = await tx
          .insert(messages)
          .values({
            id: ids.next(),
            channelId: input.channelId,
            authorId: input.authorId,
            content: input.content,
          })
          .returning();
        if (!row) throw new Error('insert returned no message');
        await appendToOutbox(tx, [
          newEvent('MessageCreated', subjects.channelMessages(input.channelId), {
            messageId: row.id,
            channelId: row.channelId,
            guildId: input.guildId,
            authorId: row.authorId,
          }),
        ]);
        return row;
      }),
  };
}

export type MessagesStore = ReturnType<typeof createMessagesStore>;
