import { queryRows, type Database } from '@gochat/db';
import { sql } from 'drizzle-orm';

/*
 * What voice needs of a channel and its guild, read-only from the guilds subgraph's tables
 * (docs/decisions/0003-one-database-domain-owned-tables.md).
 */

export interface VoiceChannelFacts {
  channelId: string;
  guildId: string | null;
  /** The region it is placed in: the channel's, else its guild's; null for the default. */
  region: string | null;
  /** Bits per second for its audio. */
  bitrate: number;
  /** 0: no limit. */
  userLimit: number;
}

/** Discord's default voice bitrate. */
export const DEFAULT_BITRATE = 64_000;

export async function voiceChannelFacts(
  db: Database,
  channelId: string,
): Promise<VoiceChannelFacts | undefined> {
  const rows = await queryRows<{
    guild_id: string | null;
    region: string | null;
    bitrate: number | null;
    user_limit: number;
  }>(
    db,
    sql`/* voice.voiceChannelFacts */
      select c.guild_id::text as guild_id, coalesce(c.voice_region, g.voice_region) as region,
             c.bitrate, c.user_limit
      from channels c left join guilds g on g.id = c.guild_id
      where c.id = ${channelId}::bigint`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    channelId,
    guildId: row.guild_id === null ? null : String(row.guild_id),
    region: row.region,
    bitrate: row.bitrate ?? DEFAULT_BITRATE,
    userLimit: row.user_limit,
  };
}
