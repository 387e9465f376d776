import { queryRows, type Database } from '@gochat/db';
import type { Overwrite, RoleGrant } from '@gochat/permissions';
import { sql } from 'drizzle-orm';

/** What the permission functions need about the user in one of their guilds. */
export interface RealtimeMembership {
  guildId: string;
  ownerId: string;
  /** @everyone's permissions. */
  everyone: bigint;
  /** The member's roles besides @everyone. */
  roles: RoleGrant[];
  timeoutUntil: Date | null;
  memberCount: number;
  /** Every channel of the guild (threads are not channels), by position then id. */
  channels: { id: string; overwrites: Overwrite[] }[];
}

export interface RealtimeFacts {
  memberships: RealtimeMembership[];
  directChannelIds: string[];
}

interface MembershipSqlRow extends Record<string, unknown> {
  guild_id: string;
  owner_id: string;
  everyone: string | null;
  timeout_until: Date | string | null;
  roles: unknown;
  member_count: number | string;
}

interface ChannelSqlRow extends Record<string, unknown> {
  id: string;
  guild_id: string;
  overwrites: unknown;
}

/** json columns arrive parsed from node-postgres and PGlite alike, but accept text too. */
const jsonArray = <T>(value: unknown): T[] =>
  ((typeof value === 'string' ? JSON.parse(value) : value) as T[] | null) ?? [];

/**
 * Reads behind realtimeAccess: a fixed number of statements whatever the user's guild and channel
 * counts (a user in 100 guilds of 20 channels costs three), not one per guild or channel.
 */
export function realtimeStore(db: Database) {
  return {
    /**
     * The user's memberships (only guildId's, when given) with everything their channel permissions
     * are computed from, and their DMs and group DMs. Overwrites are limited to those that can apply
     * to the user: @everyone's, their roles' and their own.
     */
    async realtimeFacts(userId: string, guildId?: string): Promise<RealtimeFacts> {
      const onlyGuild = guildId === undefined ? sql`` : sql`and m.guild_id = ${guildId}`;
      const [memberships, channels, direct] = await Promise.all([
        queryRows<MembershipSqlRow>(
          db,
          sql`/* guilds.realtimeAccess.memberships */
            select m.guild_id::text as guild_id,
                   g.owner_id,
                   (select r.permissions::text from roles r where r.id = m.guild_id) as everyone,
                   m.timeout_until,
                   (select coalesce(json_agg(json_build_object('id', r.id::text, 'permissions', r.permissions::text)), '[]'::json)
                      from member_roles mr join roles r on r.id = mr.role_id
                      where mr.guild_id = m.guild_id and mr.user_id = m.user_id) as roles,
                   (select count(*)::int from guild_members n where n.guild_id = m.guild_id) as member_count
            from guild_members m
            join guilds g on g.id = m.guild_id
            where m.user_id = ${userId} ${onlyGuild}
            order by m.joined_at, m.guild_id`,
        ),
        queryRows<ChannelSqlRow>(
          db,
          sql`/* guilds.realtimeAccess.channels */
            select c.id::text as id,
                   c.guild_id::text as guild_id,
                   (select coalesce(json_agg(json_build_object('targetId', o.target_id, 'targetType', o.target_type,
                                                               'allow', o.allow::text, 'deny', o.deny::text)), '[]'::json)
                      from channel_overwrites o
                      where o.channel_id = c.id
                        and ((o.target_type = 'member' and o.target_id = m.user_id)
                          or (o.target_type = 'role' and o.target_id = c.guild_id::text)
                          or (o.target_type = 'role' and exists(
                                select 1 from member_roles mr
                                where mr.guild_id = c.guild_id and mr.user_id = m.user_id
                                  and mr.role_id::text = o.target_id)))) as overwrites
            from guild_members m
            join channels c on c.guild_id = m.guild_id
            where m.user_id = ${userId} ${onlyGuild}
            order by c.guild_id, c.position, c.id`,
        ),
        queryRows<{ id: string }>(
          db,
          sql`/* guilds.realtimeAccess.direct */
            select cr.channel_id::text as id
            from channel_recipients cr
            join channels c on c.id = cr.channel_id
            where cr.user_id = ${userId} and c.guild_id is null
            order by cr.channel_id desc`,
        ),
      ]);

      const channelsByGuild = new Map<string, RealtimeMembership['channels']>();
      for (const row of channels) {
        const list = channelsByGuild.get(String(row.guild_id)) ?? [];
        list.push({
          id: String(row.id),
          overwrites: jsonArray<{
            targetId: string;
            targetType: 'role' | 'member';
            allow: string;
            deny: string;
          }>(row.overwrites).map((o) => ({ ...o, allow: BigInt(o.allow), deny: BigInt(o.deny) })),
        });
        channelsByGuild.set(String(row.guild_id), list);
      }
      return {
        memberships: memberships.map((row) => ({
          guildId: String(row.guild_id),
          ownerId: row.owner_id,
          everyone: BigInt(row.everyone ?? 0),
          roles: jsonArray<{ id: string; permissions: string }>(row.roles).map((r) => ({
            id: r.id,
            permissions: BigInt(r.permissions),
          })),
          timeoutUntil: row.timeout_until === null ? null : new Date(row.timeout_until),
          memberCount: Number(row.member_count),
          channels: channelsByGuild.get(String(row.guild_id)) ?? [],
        })),
        directChannelIds: direct.map((row) => String(row.id)),
      };
    },
  };
}
