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
  kind: 'default' | 'guild_member_join';
  createdAt: Date;
}
export interface ChannelRef {
  id: string;
}
export interface UserRef {
  id: string;
}

/** Everything the permission functions need about one user in one channel (guilds' tables, read-only). */
export interface ChannelAccessFacts {
  channelId: string;
  kind: 'text' | 'voice' | 'category' | 'dm' | 'group_dm';
  /** Null for DMs and group DMs. */
  guildId: string | null;
  /** The guild owner's id (guild channels). */
  ownerId: string | null;
  /** @everyone's permissions (guild channels). */
  everyone: bigint;
  /** The user's membership of the channel's guild, or null when not a member (or a DM). */
  member: { timeoutUntil: Date | null } | null;
  /** The member's roles besides @everyone. */
  roles: { id: string; permissions: bigint }[];
  overwrites: { targetId: string; targetType: 'role' | 'member'; allow: bigint; deny: bigint }[];
  /** DMs and group DMs: whether the user takes part. */
  isRecipient: boolean;
  /** 1:1 DMs: whether either participant blocked the other. */
  blocked: boolean;
}

interface AccessSqlRow extends Record<string, unknown> {
  kind: ChannelAccessFacts['kind'];
  guild_id: string | null;
  owner_id: string | null;
  everyone: string | null;
  is_member: boolean;
  timeout_until: Date | string | null;
  roles: unknown;
  overwrites: unknown;
  is_recipient: boolean;
  blocked: boolean;
}

/** json columns arrive parsed from node-postgres and PGlite alike, but accept text too. */
const jsonArray = <T>(value: unknown): T[] =>
  (typeof value === 'string' ? JSON.parse(value) : (value ?? [])) as T[];

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

    /**
     * What decides the user's permissions in the channel, in one round trip: the channel's kind and
     * guild, the guild's owner and @everyone, the user's membership (timeout) and roles, the channel's
     * overwrites, and for DMs participation and blocks. Undefined when the channel does not exist.
     */
    async channelAccess(
      channelId: string,
      userId: string | undefined,
    ): Promise<ChannelAccessFacts | undefined> {
      const user = userId ?? '';
      const rows = await queryRows<AccessSqlRow>(
        db,
        sql`/* messages.channelAccess */
          select c.kind,
                 c.guild_id::text as guild_id,
                 g.owner_id,
                 (select r.permissions::text from roles r where r.id = c.guild_id) as everyone,
                 m.user_id is not null as is_member,
                 m.timeout_until,
                 (select coalesce(json_agg(json_build_object('id', r.id::text, 'permissions', r.permissions::text)), '[]'::json)
                    from member_roles mr join roles r on r.id = mr.role_id
                    where m.user_id is not null and mr.guild_id = c.guild_id and mr.user_id = ${user}) as roles,
                 (select coalesce(json_agg(json_build_object('targetId', o.target_id, 'targetType', o.target_type,
                                                             'allow', o.allow::text, 'deny', o.deny::text)), '[]'::json)
                    from channel_overwrites o where c.guild_id is not null and o.channel_id = c.id) as overwrites,
                 exists(select 1 from channel_recipients cr where cr.channel_id = c.id and cr.user_id = ${user}) as is_recipient,
                 (c.kind = 'dm' and exists(
                    select 1 from channel_recipients other
                    join blocks b on (b.blocker_id = ${user} and b.blocked_id = other.user_id)
                                  or (b.blocked_id = ${user} and b.blocker_id = other.user_id)
                    where other.channel_id = c.id and other.user_id <> ${user})) as blocked
          from ${channels} c
          left join guilds g on g.id = c.guild_id
          left join guild_members m on m.guild_id = c.guild_id and m.user_id = ${user}
          where c.id = ${channelId}`,
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        channelId,
        kind: row.kind,
        guildId: row.guild_id === null ? null : String(row.guild_id),
        ownerId: row.owner_id,
        everyone: BigInt(row.everyone ?? 0),
        member: row.is_member
          ? { timeoutUntil: row.timeout_until === null ? null : new Date(row.timeout_until) }
          : null,
        roles: jsonArray<{ id: string; permissions: string }>(row.roles).map((r) => ({
          id: r.id,
          permissions: BigInt(r.permissions),
        })),
        overwrites: jsonArray<{
          targetId: string;
          targetType: 'role' | 'member';
          allow: string;
          deny: string;
        }>(row.overwrites).map((o) => ({ ...o, allow: BigInt(o.allow), deny: BigInt(o.deny) })),
        isRecipient: Boolean(row.is_recipient),
        blocked: Boolean(row.blocked),
      };
    },

    /** Inserts the message and its MessageCreated event in one commit. */
    send: (input: {
      channelId: string;
      /** Null in DMs and group DMs. */
      guildId: string | null;
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
