import type { API, Types } from '@opensearch-project/opensearch';

/**
 * Index settings and mappings of the message index, and the index template that carries them.
 *
 * Words are what the rest of search calls words (@gochat/search-syntax foldWords, the PostgreSQL
 * index): runs of letters and digits, everything else separates, so `example.com/a`, `<@123>` and
 * `don't` are found by any of their pieces. A `uax_url_email` tokenizer would keep URLs whole and
 * answer the same query differently from the PostgreSQL index; the shared contract suite holds both
 * to one behaviour, so the pattern tokenizer mirrors foldWords instead.
 *
 * Folding: lowercase, then combining marks dropped (a decomposed `é` is `e` + U+0301; the tokenizer
 * keeps marks inside words, as NFKD-then-strip does), then asciifolding for precomposed letters and
 * compatibility forms. Without the ICU plugin (not installed on stock clusters) this approximates
 * fold()'s NFKD; the two differ only on rare symbols (`℡` is `tel` to fold(), a separator here).
 */
export const ANALYZER = 'chat';

/** Bumped whenever settings or mappings change: visible in the template's version and _meta. */
export const MAPPING_VERSION = 1;

export interface IndexShape {
  /** Primary shards; 1 by default (a chat's messages are small, and routing keeps guilds on one). */
  shards: number;
  /** Replicas; the cluster default (1) when unset. */
  replicas?: number;
}

export function indexSettings(shape: IndexShape): Types.Indices_Common.IndexSettings {
  return {
    number_of_shards: shape.shards,
    ...(shape.replicas === undefined ? {} : { number_of_replicas: shape.replicas }),
    analysis: {
      tokenizer: {
        // Java regex: the pattern matches separators; Lucene never emits empty tokens from it.
        chat_words: { type: 'pattern', pattern: '[^\\p{L}\\p{N}\\p{M}]+' },
      },
      filter: {
        chat_marks: { type: 'pattern_replace', pattern: '\\p{M}+', replacement: '' },
        chat_folding: { type: 'asciifolding', preserve_original: false },
        // A word of marks only would be empty after chat_marks: no empty terms in the index.
        chat_nonempty: { type: 'length', min: 1 },
      },
      analyzer: {
        [ANALYZER]: {
          type: 'custom',
          tokenizer: 'chat_words',
          filter: ['lowercase', 'chat_marks', 'chat_folding', 'chat_nonempty'],
        },
      },
    },
  };
}

const keyword = { type: 'keyword' } as const;
const bool = { type: 'boolean' } as const;
const epochMs = { type: 'date', format: 'epoch_millis' } as const;

/**
 * `dynamic: strict`: a field this code does not know is a bug, rejected rather than guessed.
 * Ids are keywords (exact terms; snowflakes do not fit a double). Only `content` is text.
 */
export function messageMappings(): Types.Common_Mapping.TypeMapping {
  return {
    dynamic: 'strict',
    _meta: { mapping_version: MAPPING_VERSION },
    properties: {
      seq: keyword,
      guild_id: keyword,
      channel_id: keyword,
      parent_channel_id: keyword,
      author_id: keyword,
      // Offsets in the postings let the unified highlighter find matches without re-analysing.
      content: { type: 'text', analyzer: ANALYZER, index_options: 'offsets' },
      mentions_users: keyword,
      mentions_roles: keyword,
      mentions_everyone: bool,
      has: keyword,
      pinned: bool,
      in_thread: bool,
      created_at: epochMs,
      version: { type: 'long' },
      deleted: bool,
      indexed_at: epochMs,
    },
  };
}

/** What creating a concrete index sends (explicit, so creation does not depend on the template). */
export function indexBody(shape: IndexShape): {
  settings: Types.Indices_Common.IndexSettings;
  mappings: Types.Common_Mapping.TypeMapping;
} {
  return { settings: indexSettings(shape), mappings: messageMappings() };
}

/**
 * The composable index template for `<prefix>-*`: an index created under the prefix by hand or by
 * another tool gets the same analysis and mapping.
 *
 * Priority is the prefix's length. OpenSearch refuses two templates of equal priority whose patterns
 * overlap; `a-*` and `a-b-*` (a test prefix next to the default one) overlap but differ in length,
 * and two prefixes of equal length that differ cannot both prefix one name, so they never overlap.
 */
export function indexTemplate(prefix: string, shape: IndexShape): API.Indices_PutIndexTemplate_RequestBody {
  return {
    index_patterns: [`${prefix}-*`],
    priority: prefix.length,
    version: MAPPING_VERSION,
    _meta: { managed_by: 'gochat', description: 'GoChat message search' },
    template: indexBody(shape),
  };
}
