import type { Database } from '@gochat/db';
import { channelOverwrites, channelRecipients, channels, guildMembers, guilds, roles } from '@gochat/drizzle';
import { asc, inArray, sql } from 'drizzle-orm';

import { forKeys, selectMembers } from './queries.ts';
import type { ChannelRow, GuildRow, MemberRow, OverwriteRow, RoleRow } from './rows.ts';

/** Reads behind every permission check; batched per request by the loaders in ../role.ts. */
export function accessQueries(db: Database) {
  return {
    guildsByIds: (list: readonly string[]): Promise<GuildRow[]> =>
      forKeys(list, (keys) => db.select().from(guilds).where(inArray(guilds.id, keys))),

    channelsByIds: (list: readonly string[]): Promise<ChannelRow[]> =>
      forKeys(list, (keys) => db.select().from(channels).where(inArray(channels.id, keys))),

    /** Memberships by (guildId, userId) keys, with each member's role ids. */
    async members(keys: readonly { guildId: string; userId: string }[]): Promise<MemberRow[]> {
      if (keys.length === 0) return [];
      const pairs = sql.join(
        keys.map((k) => sql`(${k.guildId}::bigint, ${k.userId}::text)`),
        sql`, `,
      );
      return selectMembers(db, sql`(${guildMembers.guildId}, ${guildMembers.userId}) in (${pairs})`);
    },

    /** Every role of each guild, lowest position first (ties by id). */
    rolesOfGuilds: (guildIds: readonly string[]): Promise<RoleRow[]> =>
      forKeys(guildIds, (keys) =>
        db
          .select()
          .from(roles)
          .where(inArray(roles.guildId, keys))
          .orderBy(asc(roles.position), asc(roles.id)),
      ),

    overwritesOfChannels: (channelIds: readonly string[]): Promise<OverwriteRow[]> =>
      forKeys(channelIds, (keys) =>
        db.select().from(channelOverwrites).where(inArray(channelOverwrites.channelId, keys)),
      ),

    recipientsOfChannels: (channelIds: readonly string[]): Promise<{ channelId: string; userId: string }[]> =>
      forKeys(channelIds, (keys) =>
        db
          .select({ channelId: channelRecipients.channelId, userId: channelRecipients.userId })
          .from(channelRecipients)
          .where(inArray(channelRecipients.channelId, keys))
          .orderBy(asc(channelRecipients.addedAt), asc(channelRecipients.userId)),
      ),
  };
}
