import {
  jsonValue,
  readableChannels,
  type GuildAccessFacts,
  type GuildChannel,
} from '@gochat/channel-access';
import { queryRows } from '@gochat/db';
import { sql, type SQL } from 'drizzle-orm';

import type { StoreDeps } from './deps.ts';

/** Where the caller's mentions inbox looks: what they may read now. */
export interface InboxScope {
  /** Channels (guild channels and DMs) whose messages and threads' messages the caller may read. */
  channelIds: string[];
  /** The caller's roles in those guilds (role mentions target them). */
  roleIds: string[];
}

/** One mention in the inbox: the message, and the container it lives in. */
export interface InboxEntry {
  channelId: string;
  messageId: string;
}

interface GuildSqlRow extends Record<string, unknown> {
  guild_id: string;
  owner_id: string;
  everyone: string | null;
  timeout_until: Date | string | null;
  roles: unknown;
  channels: unknown;
}

interface ChannelJson {
  id: string;
  name: string | null;
  kind: GuildChannel['kind'];
  overwrites: { targetId: string; targetType: 'role' | 'member'; allow: string; deny: string }[];
}

const channelsOf = (value: unknown): GuildChannel[] =>
  (jsonValue<ChannelJson[] | null>(value) ?? []).map((c) => ({
    ...c,
    overwrites: c.overwrites.map((o) => ({ ...o, allow: BigInt(o.allow), deny: BigInt(o.deny) })),
  }));

/** A Postgres array literal of ids (snowflakes: digits only), for `= any(...)`. */
const idArray = (ids: readonly string[]): string => `{${ids.join(',')}}`;

/**
 * The user's guilds (or the one guild), each with the user's permission facts there and every channel
 * with its overwrites, in one statement. Decided afterwards in JavaScript by readableChannels, the
 * function every permission check uses.
 */
const guildsSql = (userId: string, guildId: string | null): SQL => sql`/* messages.inboxGuilds */
  select g.id::text as guild_id, g.owner_id,
         (select r.permissions::text from roles r where r.id = g.id) as everyone,
         gm.timeout_until,
         (select coalesce(json_agg(json_build_object('id', r.id::text, 'permissions', r.permissions::text)), '[]'::json)
            from member_roles mr join roles r on r.id = mr.role_id
            where mr.guild_id = g.id and mr.user_id = ${userId}) as roles,
         (select coalesce(json_agg(json_build_object(
                   'id', c.id::text, 'name', c.name, 'kind', c.kind,
                   'overwrites', (select coalesce(json_agg(json_build_object(
                                    'targetId', o.target_id, 'targetType', o.target_type,
                                    'allow', o.allow::text, 'deny', o.deny::text)), '[]'::json)
                                  from channel_overwrites o where o.channel_id = c.id))), '[]'::json)
            from channels c where c.guild_id = g.id and c.kind <> 'category') as channels
  from guild_members gm
  join guilds g on g.id = gm.guild_id
  where gm.user_id = ${userId} ${guildId === null ? sql`` : sql`and gm.guild_id = ${guildId}::bigint`}`;

/**
 * The newest mentions of the user before `before` in the channels (and their threads), at most
 * `limit`: direct, through one of the roles, or @everyone/@here, never in the user's own messages.
 * One range scan per kind, each stopping at `limit`: mentions_target_idx (target_type, target_id,
 * message_id desc) for users and roles, mentions_everyone_idx (parent_channel_id, message_id desc)
 * for @everyone/@here; a message mentioning the user several ways appears once.
 */
const recentSql = (userId: string, scope: InboxScope, before: string | null, limit: number): SQL => {
  const channels = sql`${idArray(scope.channelIds)}::bigint[]`;
  const older = before === null ? sql`` : sql`and m.message_id < ${before}::bigint`;
  const notOwn = sql`and (m.author_id is null or m.author_id <> ${userId})`;
  const branch = (kind: SQL) => sql`(
    select m.channel_id, m.message_id from mentions m
    where ${kind} and m.parent_channel_id = any(${channels}) ${older} ${notOwn}
    order by m.message_id desc limit ${limit})`;
  const roles = scope.roleIds.length
    ? sql`union all ${branch(sql`m.target_type = 'role' and m.target_id = any(${idArray(scope.roleIds)}::text[])`)}`
    : sql``;
  return sql`/* messages.recentMentions */
    select x.channel_id::text as channel_id, x.message_id::text as message_id
    from (
      ${branch(sql`m.target_type = 'user' and m.target_id = ${userId}`)}
      ${roles}
      union all
      ${branch(sql`m.target_type = 'everyone'`)}
    ) x
    group by x.channel_id, x.message_id
    order by x.message_id desc
    limit ${limit}`;
};

export const createMentionsStore = ({ db }: StoreDeps) => ({
  /**
   * What the user may read now, for the inbox: with `guildId`, that guild's readable channels
   * (undefined when they are not a member); otherwise those of every guild they belong to, and their
   * DMs and group DMs.
   */
  async inboxScope(
    userId: string,
    guildId: string | null,
    now = new Date(),
  ): Promise<InboxScope | undefined> {
    const [guildRows, directRows] = await Promise.all([
      queryRows<GuildSqlRow>(db, guildsSql(userId, guildId)),
      guildId === null
        ? queryRows<{ channel_id: string }>(
            db,
            sql`/* messages.inboxDirect */
              select cr.channel_id::text as channel_id from channel_recipients cr
              join channels c on c.id = cr.channel_id and c.kind in ('dm', 'group_dm')
              where cr.user_id = ${userId}`,
          )
        : Promise.resolve([]),
    ]);
    if (guildId !== null && guildRows.length === 0) return undefined;
    const channelIds = directRows.map((r) => String(r.channel_id));
    const roleIds: string[] = [];
    for (const row of guildRows) {
      const roles = jsonValue<{ id: string; permissions: string }[] | null>(row.roles) ?? [];
      const guild: GuildAccessFacts = {
        guildId: String(row.guild_id),
        ownerId: row.owner_id,
        everyone: BigInt(row.everyone ?? 0),
        member: { timeoutUntil: row.timeout_until === null ? null : new Date(row.timeout_until) },
        roles: roles.map((r) => ({ id: r.id, permissions: BigInt(r.permissions) })),
      };
      roleIds.push(...guild.roles.map((r) => r.id));
      for (const channel of readableChannels(guild, channelsOf(row.channels), userId, now))
        channelIds.push(channel.id);
    }
    return { channelIds, roleIds };
  },

  /** The newest mentions of the user in the scope, before `before` (a message id), at most `limit`. */
  async recent(
    userId: string,
    scope: InboxScope,
    before: string | null,
    limit: number,
  ): Promise<InboxEntry[]> {
    if (!scope.channelIds.length) return [];
    const rows = await queryRows<{ channel_id: string; message_id: string }>(
      db,
      recentSql(userId, scope, before, limit),
    );
    return rows.map((r) => ({ channelId: String(r.channel_id), messageId: String(r.message_id) }));
  },
});

export type MentionsStore = ReturnType<typeof createMentionsStore>;
