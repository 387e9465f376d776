import { queryRows, type Database } from '@gochat/db';
import { sql } from 'drizzle-orm';

import type { SearchIndex } from '../port.ts';
import { searchPostgres } from './query.ts';
import { dropUntouched, removeWhere, tombstone, upsertDocuments } from './write.ts';

/**
 * The search index in PostgreSQL (or PGlite): message_search with a GIN index over a 'simple'
 * (language-neutral, no stop words) tsvector of the folded content. Rebuilds write into the live
 * table, so searches never stop; rows the rebuild did not touch are dropped at its end.
 */
export function createPostgresSearchIndex(
  db: Database,
  options: {
    statementTimeoutMs?: number;
    /** How many of the newest messages a time-sorted page reads before the text index (query.ts). */
    recentWindow?: number;
  } = {},
): SearchIndex {
  return {
    kind: 'postgres',
    upsert: (docs) => upsertDocuments(db, docs),
    remove: (messages) => tombstone(db, messages),
    removeChannel: (channelId) => removeWhere(db, { kind: 'channel', channelId }),
    removeGuild: (guildId) => removeWhere(db, { kind: 'guild', guildId }),
    search: (request) =>
      searchPostgres(db, request, {
        timeoutMs: options.statementTimeoutMs,
        recentWindow: options.recentWindow,
      }),
    beginRebuild: async () => {},
    rebuildWrite: (_scope, _startedAt, docs) => upsertDocuments(db, docs),
    finishRebuild: async (scope, startedAt) => {
      await dropUntouched(db, scope, startedAt);
    },
    refresh: async () => {},
    ping: async () => {
      await queryRows(db, sql`select 1 from message_search limit 1`);
    },
    // The database belongs to the host: closing it is not the index's to do.
    close: async () => {},
  };
}
