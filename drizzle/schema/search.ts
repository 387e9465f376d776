import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  index,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

import { snowflake } from './columns.ts';

/*
 * The search index when PostgreSQL serves it (no OpenSearch configured): written by the indexer worker
 * and `gochat reindex`, read by the search subgraph, only through @gochat/search (its postgres
 * implementation holds every statement). Derived data: the message store is the truth
 * (docs/decisions/0044-search.md).
 */

/** has_flags' bits, in @gochat/search's HAS_KINDS order (the schema cannot import packages). */
const HAS_BITS = [
  ['link', 1],
  ['file', 2],
  ['image', 4],
  ['video', 8],
  ['embed', 16],
] as const;

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** One message as search sees it; a deleted message stays as a tombstone (deleted, empty document). */
export const messageSearch = pgTable(
  'message_search',
  {
    messageId: snowflake('message_id').primaryKey(),
    guildId: snowflake('guild_id'),
    channelId: snowflake('channel_id').notNull(),
    parentChannelId: snowflake('parent_channel_id').notNull(),
    authorId: text('author_id').notNull(),
    content: text('content').notNull(),
    /** to_tsvector('simple', content folded for case and accents): language-neutral, no stop words. */
    document: tsvector('document').notNull(),
    mentionUserIds: text('mention_user_ids')
      .array()
      .notNull()
      .default(sql`'{}'`),
    mentionRoleIds: text('mention_role_ids')
      .array()
      .notNull()
      .default(sql`'{}'`),
    mentionsEveryone: boolean('mentions_everyone').notNull().default(false),
    /** Bits of HAS_KINDS (link 1, file 2, image 4, video 8, embed 16). */
    hasFlags: smallint('has_flags').notNull().default(0),
    pinned: boolean('pinned').notNull().default(false),
    /** The edit time in ms, else the creation time; a tombstone's is the largest safe integer. */
    version: bigint('version', { mode: 'number' }).notNull(),
    deleted: boolean('deleted').notNull().default(false),
    /** When a write last touched the row: a rebuild drops the rows of its scope it did not touch. */
    indexedAt: timestamp('indexed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('message_search_document').using('gin', t.document),
    // has: filters, alone or with from: (one partial index per kind, each holding only its rows).
    ...HAS_BITS.flatMap(([kind, bit]) => [
      index(`message_search_has_${kind}`)
        .on(t.messageId)
        .where(sql.raw(`(has_flags & ${bit}) = ${bit}`)),
      index(`message_search_author_has_${kind}`)
        .on(t.authorId, t.messageId)
        .where(sql.raw(`(has_flags & ${bit}) = ${bit}`)),
    ]),
    index('message_search_guild_newest').on(t.guildId, t.messageId),
    index('message_search_channel_newest').on(t.parentChannelId, t.messageId),
    index('message_search_author').on(t.authorId, t.messageId),
  ],
);

/** A `gochat reindex` run: where it is, so a killed run resumes instead of starting over. */
export const searchReindexRuns = pgTable('search_reindex_runs', {
  /** 'all', 'guild:<id>' or 'channel:<id>'. */
  scope: text('scope').primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  /** The containers still to read, in order, and the oldest message id read in the first of them. */
  position: jsonb('position').notNull(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});
