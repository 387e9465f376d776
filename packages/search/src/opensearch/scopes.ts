import type { Types } from '@opensearch-project/opensearch';

import type { RebuildScope } from '../port.ts';

type Query = Types.Common_QueryDsl.QueryContainer;

/**
 * How long a tombstone outlives the rebuild that finds it, as in the PostgreSQL index: a day is far
 * longer than any redelivery or indexer backlog that could carry an older write of the message, and
 * dropping older tombstones at a rebuild keeps deleted messages from piling up forever.
 */
export const TOMBSTONE_GRACE_MS = 24 * 60 * 60 * 1000;

/** The documents a scope covers: a channel's threads too (their parent_channel_id is the channel). */
export function scopeQuery(scope: Exclude<RebuildScope, { kind: 'all' }>): Query {
  switch (scope.kind) {
    case 'guild':
      return { term: { guild_id: scope.guildId } };
    case 'channel':
      return {
        bool: {
          should: [
            { term: { channel_id: scope.channelId } },
            { term: { parent_channel_id: scope.channelId } },
          ],
          minimum_should_match: 1,
        },
      };
  }
}

/**
 * What a scoped rebuild drops at its end: documents of the scope it did not write since it started
 * (messages gone from the store), and tombstones older than the grace period. A live write during
 * the rebuild also sets indexed_at, so a message edited meanwhile is kept.
 *
 * indexed_at comes from the writers' clocks and startedAt from the reindex command's: they are
 * assumed NTP-close. A writer whose clock lags by more than the time between the rebuild reading a
 * message and a newer live write of it could see that message dropped until its next edit.
 */
export function staleQuery(scope: Exclude<RebuildScope, { kind: 'all' }>, startedAt: Date): Query {
  const started = startedAt.getTime();
  return {
    bool: {
      filter: [
        scopeQuery(scope),
        { range: { indexed_at: { lt: String(started), format: 'epoch_millis' } } },
        {
          bool: {
            should: [
              { term: { deleted: false } },
              { range: { indexed_at: { lt: String(started - TOMBSTONE_GRACE_MS), format: 'epoch_millis' } } },
            ],
            minimum_should_match: 1,
          },
        },
      ],
    },
  };
}

/** Tombstones a full rebuild copies into its new index: those still within the grace period. */
export function recentTombstonesQuery(startedAt: Date): Query {
  return {
    bool: {
      filter: [
        { term: { deleted: true } },
        {
          range: {
            indexed_at: { gte: String(startedAt.getTime() - TOMBSTONE_GRACE_MS), format: 'epoch_millis' },
          },
        },
      ],
    },
  };
}
