import { isSnowflake, snowflakeTime } from '@gochat/ids';

import { TOMBSTONE_VERSION, type HasKind, type SearchDocument } from '../port.ts';
import { MATCH_END, MATCH_START } from '../text.ts';

/**
 * SearchDocument ↔ OpenSearch `_source`. Field names are snake_case like the mapping (mapping.ts).
 *
 * The content is stored and indexed as written: the `chat` analyzer folds case and accents at index
 * and at query time, and the stored text is what highlights are cut from, so it must stay readable.
 */

/** Width of `seq`: every unsigned 64-bit decimal fits, so string order equals numeric order. */
export const SEQ_WIDTH = 20;

/**
 * The message id as a fixed-width keyword. Snowflakes do not fit a JS number (53 bits), and a
 * keyword sorts as a string, so zero-padding makes string order the numeric, and thus time, order.
 * Sorting and paging by `seq` is sorting by creation time with the id breaking same-ms ties.
 */
export function padId(id: string): string {
  if (!isSnowflake(id)) throw new RangeError('search index: a message id must be a snowflake');
  return id.padStart(SEQ_WIDTH, '0');
}

/** Shard routing: a guild's documents share one shard, so a guild search asks one shard. */
export function routingFor(guildId: string | null): string {
  // Every DM and group DM shares one routing value: DM searches are rare and small, and a DM search
  // names no guild to route by. Snowflakes are digits, so 'dm' never collides with a guild id.
  return guildId ?? 'dm';
}

/** A live message's source. */
export interface MessageSource {
  seq: string;
  /** Null (so the field is absent from the index) in DMs: DM searches filter on its absence. */
  guild_id: string | null;
  channel_id: string;
  parent_channel_id: string;
  author_id: string;
  content: string;
  mentions_users: string[];
  mentions_roles: string[];
  mentions_everyone: boolean;
  has: HasKind[];
  pinned: boolean;
  in_thread: boolean;
  /** Epoch ms of the snowflake: `before:` / `after:` filters. */
  created_at: number;
  version: number;
  deleted: false;
  /** Epoch ms of this write: scoped rebuilds drop what they did not rewrite (scopes.ts). */
  indexed_at: number;
}

/** A deleted message: no content, only what routing, rebuild clean-up and the version check need. */
export interface TombstoneSource {
  seq: string;
  guild_id: string | null;
  created_at: number;
  version: number;
  deleted: true;
  indexed_at: number;
}

/** What a hit's `_source` is asked for (query.ts): enough to build a SearchHit. */
export interface HitSource {
  guild_id?: string | null;
  channel_id?: string;
  parent_channel_id?: string;
}

// The highlighter marks matches with these control characters (query.ts); content never carries
// them into the index, or a stray one would split a highlight wrongly.
const MARKERS = new RegExp(`[${MATCH_START}${MATCH_END}]`, 'g');

export function toSource(doc: SearchDocument, indexedAt: number): MessageSource {
  return {
    seq: padId(doc.id),
    guild_id: doc.guildId,
    channel_id: doc.channelId,
    parent_channel_id: doc.parentChannelId,
    author_id: doc.authorId,
    content: doc.content.replace(MARKERS, ''),
    mentions_users: [...doc.mentions.users],
    mentions_roles: [...doc.mentions.roles],
    mentions_everyone: doc.mentions.everyone,
    has: [...new Set(doc.has)],
    pinned: doc.pinned,
    in_thread: doc.channelId !== doc.parentChannelId,
    created_at: snowflakeTime(doc.id).getTime(),
    version: doc.version,
    deleted: false,
    indexed_at: indexedAt,
  };
}

export function tombstoneSource(
  message: { id: string; guildId: string | null },
  indexedAt: number,
): TombstoneSource {
  return {
    seq: padId(message.id),
    guild_id: message.guildId,
    created_at: snowflakeTime(message.id).getTime(),
    version: TOMBSTONE_VERSION,
    deleted: true,
    indexed_at: indexedAt,
  };
}
