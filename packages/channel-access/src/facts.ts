import { queryRows, type Database } from '@gochat/db';
import { channels } from '@gochat/drizzle';
import { sql } from 'drizzle-orm';

/** Everything the permission functions need about one user in one channel (guilds' tables, read-only). */
export interface ChannelAccessFacts {
  /** The channel, or the thread's parent channel. */
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
  /** 1:1 DMs: whether the other participant deleted their account (decision 0050). */
  recipientDeleted: boolean;
  /** The channel's slowmode (a thread's parent's). */
  slowmodeSeconds: number;
  /** Set when the container is a thread; the rest of the facts are then its parent channel's. */
  thread: ThreadFacts | null;
}

/** What decides a user's guild-wide permissions (guilds' tables, read-only). */
export interface GuildAccessFacts {
  guildId: string;
  ownerId: string;
  everyone: bigint;
  member: { timeoutUntil: Date | null } | null;
  roles: { id: string; permissions: bigint }[];
}

export interface ThreadFacts {
  id: string;
  parentId: string;
  ownerId: string | null;
  name: string;
  starterMessageId: string | null;
  autoArchiveMinutes: number;
  /** The stored flag; see isArchived for inactivity. */
  archived: boolean;
  archivedAt: Date | null;
  locked: boolean;
  lastActivityAt: Date;
  createdAt: Date;
}

interface AccessSqlRow extends Record<string, unknown> {
  channel_id: string;
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
  recipient_deleted: boolean;
  slowmode_seconds: number;
  thread: unknown;
}

/** json columns arrive parsed from node-postgres and PGlite alike, but accept text too. */
export const jsonValue = <T>(value: unknown): T =>
  (typeof value === 'string' ? JSON.parse(value) : value) as T;
const jsonArray = <T>(value: unknown): T[] => jsonValue<T[] | null>(value) ?? [];

/** The member and roles columns every access query selects, as facts. */
function membership(row: { is_member: boolean; timeout_until: Date | string | null; roles: unknown }) {
  return {
    member: row.is_member
      ? { timeoutUntil: row.timeout_until === null ? null : new Date(row.timeout_until) }
      : null,
    roles: jsonArray<{ id: string; permissions: string }>(row.roles).map((r) => ({
      id: r.id,
      permissions: BigInt(r.permissions),
    })),
  };
}

interface ThreadJson {
  id: string;
  parentId: string;
  ownerId: string | null;
  name: string;
  starterMessageId: string | null;
  autoArchiveMinutes: number;
  archived: boolean;
  archivedAt: string | null;
  locked: boolean;
  lastActivityAt: string;
  createdAt: string;
}

/** Access reads the guilds subgraph's tables read-only (docs/decisions/0003-one-database-domain-owned-tables.md). */
export const createAccessStore = (db: Database) => ({
  /**
   * What decides the user's permissions in a container, in one round trip: the channel's kind and
   * guild, the guild's owner and @everyone, the user's membership (timeout) and roles, the channel's
   * overwrites, and for DMs participation, blocks and a deleted other participant. For a thread id, the thread and its parent
   * channel's facts (threads inherit the parent's permissions). Undefined when neither exists.
   */
  async channelAccess(
    containerId: string,
    userId: string | undefined,
  ): Promise<ChannelAccessFacts | undefined> {
    const user = userId ?? '';
    const rows = await queryRows<AccessSqlRow>(
      db,
      sql`/* channel-access.channelAccess */
        with t as (select * from threads where id = ${containerId}),
             target as (select coalesce((select parent_id from t), ${containerId}::bigint) as id)
        select c.id::text as channel_id,
               c.kind,
               c.guild_id::text as guild_id,
               c.slowmode_seconds,
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
                  where other.channel_id = c.id and other.user_id <> ${user})) as blocked,
               (c.kind = 'dm' and exists(
                  select 1 from channel_recipients other
                  join "user" ou on ou.id = other.user_id
                  where other.channel_id = c.id and other.user_id <> ${user}
                    and ou.deleted_at is not null)) as recipient_deleted,
               (select json_build_object('id', t.id::text, 'parentId', t.parent_id::text, 'ownerId', t.owner_id,
                                         'name', t.name, 'starterMessageId', t.starter_message_id::text,
                                         'autoArchiveMinutes', t.auto_archive_minutes, 'archived', t.archived,
                                         'archivedAt', t.archived_at, 'locked', t.locked,
                                         'lastActivityAt', t.last_activity_at, 'createdAt', t.created_at)
                  from t) as thread
        from target
        join ${channels} c on c.id = target.id
        left join guilds g on g.id = c.guild_id
        left join guild_members m on m.guild_id = c.guild_id and m.user_id = ${user}`,
    );
    const row = rows[0];
    if (!row) return undefined;
    const thread = jsonValue<ThreadJson | null>(row.thread);
    return {
      channelId: String(row.channel_id),
      kind: row.kind,
      guildId: row.guild_id === null ? null : String(row.guild_id),
      ownerId: row.owner_id,
      everyone: BigInt(row.everyone ?? 0),
      ...membership(row),
      overwrites: jsonArray<{
        targetId: string;
        targetType: 'role' | 'member';
        allow: string;
        deny: string;
      }>(row.overwrites).map((o) => ({ ...o, allow: BigInt(o.allow), deny: BigInt(o.deny) })),
      isRecipient: Boolean(row.is_recipient),
      blocked: Boolean(row.blocked),
      recipientDeleted: Boolean(row.recipient_deleted),
      slowmodeSeconds: Number(row.slowmode_seconds ?? 0),
      thread: thread
        ? {
            ...thread,
            archivedAt: thread.archivedAt ? new Date(thread.archivedAt) : null,
            lastActivityAt: new Date(thread.lastActivityAt),
            createdAt: new Date(thread.createdAt),
          }
        : null,
    };
  },

  /**
   * The facts of `channel` (as channelAccess gave them for someone) for each of these other users, in
   * one round trip: their membership, timeout, roles and DM participation replace the caller's.
   * Users who are not members get member: null (and so no permissions in a guild channel).
   */
  async forUsers(
    channel: ChannelAccessFacts,
    userIds: readonly string[],
  ): Promise<Map<string, ChannelAccessFacts>> {
    if (userIds.length === 0) return new Map();
    const users = sql.join(
      userIds.map((u) => sql`${u}`),
      sql`, `,
    );
    const rows = await queryRows<{
      user_id: string;
      is_member: boolean;
      timeout_until: Date | string | null;
      roles: unknown;
      is_recipient: boolean;
    }>(
      db,
      sql`/* channel-access.forUsers */
        select u.id as user_id,
               m.user_id is not null as is_member,
               m.timeout_until,
               (select coalesce(json_agg(json_build_object('id', r.id::text, 'permissions', r.permissions::text)), '[]'::json)
                  from member_roles mr join roles r on r.id = mr.role_id
                  where m.user_id is not null and mr.guild_id = m.guild_id and mr.user_id = u.id) as roles,
               exists(select 1 from channel_recipients cr where cr.channel_id = ${channel.channelId} and cr.user_id = u.id) as is_recipient
        from "user" u
        left join guild_members m on m.guild_id = ${channel.guildId} and m.user_id = u.id
        where u.id in (${users})`,
    );
    return new Map(
      rows.map((row) => [
        row.user_id,
        {
          ...channel,
          ...membership(row),
          isRecipient: Boolean(row.is_recipient),
        },
      ]),
    );
  },
});

export type AccessStore = ReturnType<typeof createAccessStore>;

/** A guild's owner and @everyone, and the user's membership and roles there; undefined: no such guild. */
export async function guildAccess(
  db: Database,
  guildId: string,
  userId: string,
): Promise<GuildAccessFacts | undefined> {
  const rows = await queryRows<{
    owner_id: string;
    everyone: string | null;
    is_member: boolean;
    timeout_until: Date | string | null;
    roles: unknown;
  }>(
    db,
    sql`/* channel-access.guildAccess */
      select g.owner_id,
             (select r.permissions::text from roles r where r.id = g.id) as everyone,
             m.user_id is not null as is_member,
             m.timeout_until,
             (select coalesce(json_agg(json_build_object('id', r.id::text, 'permissions', r.permissions::text)), '[]'::json)
                from member_roles mr join roles r on r.id = mr.role_id
                where m.user_id is not null and mr.guild_id = g.id and mr.user_id = ${userId}) as roles
      from guilds g
      left join guild_members m on m.guild_id = g.id and m.user_id = ${userId}
      where g.id = ${guildId}`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    guildId,
    ownerId: row.owner_id,
    everyone: BigInt(row.everyone ?? 0),
    ...membership(row),
  };
}

/** A thread is archived when archived explicitly or idle for longer than its auto-archive duration. */
export function isArchived(thread: ThreadFacts, now = new Date()): boolean {
  return (
    thread.archived || now.getTime() - thread.lastActivityAt.getTime() > thread.autoArchiveMinutes * 60_000
  );
}
