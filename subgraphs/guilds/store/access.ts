import type { Database } from '@gochat/db';
import {
  bans,
  channelOverwrites,
  channelRecipients,
  channels,
  guildMembers,
  guilds,
  memberRoles,
  roles,
} from '@gochat/drizzle';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';

import type { ChannelRow, GuildRow, MemberRow, OverwriteRow, RoleRow } from './rows.ts';

/** Reads behind every permission check; batched per request by the loaders in ../role.ts. */
export function accessQueries(db: Database) {
  return {
    guildsByIds: (list: readonly string[]): Promise<GuildRow[]> =>
      list.length
        ? db
            .select()
            .from(guilds)
            .where(inArray(guilds.id, [...list]))
        : Promise.resolve([]),

    channelsByIds: (list: readonly string[]): Promise<ChannelRow[]> =>
      list.length
        ? db
            .select()
            .from(channels)
            .where(inArray(channels.id, [...list]))
        : Promise.resolve([]),

    /** Memberships by (guildId, userId) keys, with each member's role ids. */
    async members(keys: readonly { guildId: string; userId: string }[]): Promise<MemberRow[]> {
      if (keys.length === 0) return [];
      const pairs = sql.join(
        keys.map((k) => sql`(${k.guildId}::bigint, ${k.userId}::text)`),
        sql`, `,
      );
      const rows = await db
        .select({
          member: guildMembers,
          // Qualified by hand: drizzle renders columns unqualified in a one-table select, which would
          // compare member_roles' columns with themselves.
          roleIds: sql<
            string[] | null
          >`(select array_agg(mr.role_id::text) from ${memberRoles} mr where mr.guild_id = ${guildMembers}.guild_id and mr.user_id = ${guildMembers}.user_id)`,
        })
        .from(guildMembers)
        .where(sql`(${guildMembers.guildId}, ${guildMembers.userId}) in (${pairs})`);
      return rows.map((r) => ({ ...r.member, roleIds: (r.roleIds ?? []).map(String) }));
    },

    /** Every role of each guild, lowest position first (ties by id). */
    async rolesOfGuilds(guildIds: readonly string[]): Promise<RoleRow[]> {
      if (guildIds.length === 0) return [];
      return db
        .select()
        .from(roles)
        .where(inArray(roles.guildId, [...guildIds]))
        .orderBy(asc(roles.position), asc(roles.id));
    },

    overwritesOfChannels: (channelIds: readonly string[]): Promise<OverwriteRow[]> =>
      channelIds.length
        ? db
            .select()
            .from(channelOverwrites)
            .where(inArray(channelOverwrites.channelId, [...channelIds]))
        : Promise.resolve([]),

    async recipientsOfChannels(
      channelIds: readonly string[],
    ): Promise<{ channelId: string; userId: string }[]> {
      if (channelIds.length === 0) return [];
      return db
        .select({ channelId: channelRecipients.channelId, userId: channelRecipients.userId })
        .from(channelRecipients)
        .where(inArray(channelRecipients.channelId, [...channelIds]))
        .orderBy(asc(channelRecipients.addedAt), asc(channelRecipients.userId));
    },

    async isBanned(guildId: string, userId: string): Promise<boolean> {
      const rows = await db
        .select({ userId: bans.userId })
        .from(bans)
        .where(and(eq(bans.guildId, guildId), eq(bans.userId, userId)));
      return rows.length > 0;
    },
  };
}
