import { queryRows, type Database } from '@gochat/db';
import { channelPermissions, has, isTimedOut, PERMISSIONS } from '@gochat/permissions';
import { sql } from 'drizzle-orm';

import { jsonValue, type ChannelAccessFacts, type GuildAccessFacts } from './facts.ts';

/** A guild channel with what decides who may see it. */
export interface GuildChannel {
  id: string;
  name: string | null;
  kind: ChannelAccessFacts['kind'];
  overwrites: ChannelAccessFacts['overwrites'];
}

/** Every channel of a guild with its overwrites, in one round trip (guilds' tables, read-only). */
export async function guildChannels(db: Database, guildId: string): Promise<GuildChannel[]> {
  const rows = await queryRows<{
    id: string;
    name: string | null;
    kind: GuildChannel['kind'];
    overwrites: unknown;
  }>(
    db,
    sql`/* channel-access.guildChannels */
      select c.id::text as id, c.name, c.kind,
             (select coalesce(json_agg(json_build_object('targetId', o.target_id, 'targetType', o.target_type,
                                                         'allow', o.allow::text, 'deny', o.deny::text)), '[]'::json)
                from channel_overwrites o where o.channel_id = c.id) as overwrites
      from channels c where c.guild_id = ${guildId}::bigint order by c.position, c.id`,
  );
  return rows.map((row) => ({
    id: String(row.id),
    name: row.name,
    kind: row.kind,
    overwrites: (
      jsonValue<{ targetId: string; targetType: 'role' | 'member'; allow: string; deny: string }[] | null>(
        row.overwrites,
      ) ?? []
    ).map((o) => ({ ...o, allow: BigInt(o.allow), deny: BigInt(o.deny) })),
  }));
}

/**
 * The channels whose messages (and threads' messages) the user may read: VIEW_CHANNEL and
 * READ_MESSAGE_HISTORY after roles and overwrites, by the same function every permission check uses.
 * Categories hold no messages and are left out; a non-member reads nothing.
 */
export function readableChannels(
  guild: GuildAccessFacts,
  channels: readonly GuildChannel[],
  userId: string,
  now = new Date(),
): GuildChannel[] {
  if (!guild.member) return [];
  const member = {
    userId,
    guildId: guild.guildId,
    ownerId: guild.ownerId,
    everyone: guild.everyone,
    roles: guild.roles,
    timedOut: isTimedOut(guild.member.timeoutUntil, now),
  };
  const needed = PERMISSIONS.VIEW_CHANNEL | PERMISSIONS.READ_MESSAGE_HISTORY;
  return channels.filter(
    (c) => c.kind !== 'category' && has(channelPermissions(member, c.overwrites), needed),
  );
}
