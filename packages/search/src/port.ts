/**
 * The search port: the message index that `searchMessages` queries and the indexer worker writes.
 * Two implementations share one contract suite (src/testing/contract.ts):
 *   - postgres:   full-text search (tsvector, GIN) on the database; the embedded default, PGlite too
 *   - opensearch: @opensearch-project/opensearch; documents routed by guild, an alias for rebuilds
 * The index is derived data: the message store is the truth, and `gochat reindex` rebuilds from it.
 * Writes are idempotent and ordered by version, so at-least-once delivery, redeliveries and several
 * indexer processes racing on one message all converge to the newest content; a deletion is a
 * tombstone that no later write of the same message undoes (docs/decisions/0044-search.md).
 */

/** What a message has, for `has:` filters. */
export const HAS_KINDS = ['link', 'file', 'image', 'video', 'embed'] as const;
export type HasKind = (typeof HAS_KINDS)[number];

/** One message as the index holds it. */
export interface SearchDocument {
  /** The message id (a snowflake): the document id. */
  id: string;
  /** Null in DMs and group DMs. */
  guildId: string | null;
  /** The container: a channel or a thread. */
  channelId: string;
  /** The channel itself, or a thread's parent channel: what permissions are checked on. */
  parentChannelId: string;
  authorId: string;
  content: string;
  mentions: { users: string[]; roles: string[]; everyone: boolean };
  has: HasKind[];
  pinned: boolean;
  /**
   * Orders writes of one message: the edit time in ms, else the creation time. A write replaces the
   * stored document only when its version is at least the stored one's; tombstones are never replaced.
   */
  version: number;
}

/** Sort orders: best match first, or by time. */
export type SearchSort = 'relevance' | 'newest' | 'oldest';

/** Where a page continues: after a message id (time sorts), or after a number of hits (relevance). */
export type SearchCursor = { kind: 'id'; id: string } | { kind: 'offset'; offset: number };

/** A query, with every name already resolved to ids and permissions already applied by the caller. */
export interface SearchRequest {
  /** The guild searched, or null for DMs and group DMs. */
  guildId: string | null;
  /**
   * The channels (thread parents included) whose messages and threads the caller may read, already
   * narrowed by any `in:` filter. Never empty: the caller returns no hits without asking.
   */
  parentChannelIds: string[];
  /**
   * Narrows to these: a channel id covers the channel and its threads, a thread id that thread only
   * (each within parentChannelIds).
   */
  channelIds?: string[];
  /** Words that must all occur (case and accent folded). */
  terms: string[];
  /** Phrases that must occur, words in order. */
  phrases: string[];
  /** Words or phrases that must not occur. */
  excluded: string[];
  authorIds?: string[];
  /** Any of these users mentioned. */
  mentionUserIds?: string[];
  /** Any of these roles mentioned. */
  mentionRoleIds?: string[];
  /** Only messages that mention @everyone (or @here). */
  mentionsEveryone?: boolean;
  /** Every one of these present. */
  has?: HasKind[];
  /** Sent strictly before / at or after. */
  before?: Date;
  after?: Date;
  pinned?: boolean;
  /** true: only messages in threads; false: none in threads. */
  inThread?: boolean;
  sort: SearchSort;
  /** 1-100. */
  limit: number;
  cursor?: SearchCursor;
}

/** A span of text, with the matched ranges [start, end) in UTF-16 code units. */
export interface Highlight {
  text: string;
  ranges: [number, number][];
}

export interface SearchHit {
  id: string;
  guildId: string | null;
  channelId: string;
  parentChannelId: string;
  /** Fragments of the content around the matches (empty for a filter-only query). */
  highlights: Highlight[];
}

export interface SearchPage {
  hits: SearchHit[];
  /** How many messages match: exact up to the implementation's counting cap, a lower bound beyond. */
  total: number;
  totalIsExact: boolean;
  /** The next page, or null when this is the last. */
  next: SearchCursor | null;
}

/** What a rebuild covers: every message, one guild's, or one channel's (with its threads). */
export type RebuildScope =
  { kind: 'all' } | { kind: 'guild'; guildId: string } | { kind: 'channel'; channelId: string };

export interface SearchIndex {
  readonly kind: 'postgres' | 'opensearch';
  /** Inserts or replaces documents (by id, newer or equal version wins). Idempotent. */
  upsert(docs: readonly SearchDocument[]): Promise<void>;
  /** Tombstones messages: they stop matching, and no later upsert brings them back. Idempotent. */
  remove(messages: readonly { id: string; guildId: string | null }[]): Promise<void>;
  /** Drops every document of a channel or thread (a channel's threads too). */
  removeChannel(channelId: string, guildId: string | null): Promise<void>;
  /** Drops every document of a guild. */
  removeGuild(guildId: string): Promise<void>;
  search(request: SearchRequest): Promise<SearchPage>;
  /**
   * Rebuilding without downtime, for `gochat reindex`: searches keep answering from the current
   * index while a rebuild writes. `beginRebuild` is called again with the same startedAt to resume.
   */
  beginRebuild(scope: RebuildScope, startedAt: Date): Promise<void>;
  /** Writes documents read from the message store during a rebuild. */
  rebuildWrite(scope: RebuildScope, startedAt: Date, docs: readonly SearchDocument[]): Promise<void>;
  /**
   * Ends a rebuild: documents of the scope the rebuild did not write (messages gone from the store)
   * are dropped, and a full rebuild's new index takes over.
   */
  finishRebuild(scope: RebuildScope, startedAt: Date): Promise<void>;
  /** Makes writes so far visible to searches (OpenSearch refresh); postgres: nothing. Tests and reindex. */
  refresh(): Promise<void>;
  /** Throws when the index cannot serve. Used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A tombstone's version: above any real one, so no write of the message replaces it. */
export const TOMBSTONE_VERSION = Number.MAX_SAFE_INTEGER;

/** Most results a page returns, and a query's longest accepted text. */
export const MAX_LIMIT = 100;
export const MAX_QUERY_LENGTH = 512;
