import type { API, Types } from '@opensearch-project/opensearch';

import {
  MAX_LIMIT,
  type Highlight,
  type SearchCursor,
  type SearchPage,
  type SearchRequest,
} from '../port.ts';
import { MATCH_END, MATCH_START, parseMarked } from '../text.ts';
import { padId, routingFor, type HitSource } from './documents.ts';

/**
 * SearchRequest → one OpenSearch search, and its response → SearchPage. Pure functions, so the unit
 * tests check the request shapes without a server.
 */

type Query = Types.Common_QueryDsl.QueryContainer;

/** hits.total counts exactly up to here; beyond it the total is a lower bound (relation `gte`). */
export const TOTAL_CAP = 10_000;
/** index.max_result_window's default: `from + size` may not exceed it. */
export const MAX_WINDOW = 10_000;

const FRAGMENT_SIZE = 150;
const FRAGMENTS = 3;

/** The content clauses a hit must match: every term (all its words) and every phrase. */
function positiveClauses(request: SearchRequest): Query[] {
  return [
    ...request.terms.map((term): Query => ({ match: { content: { query: term, operator: 'and' } } })),
    ...request.phrases.map((phrase): Query => ({ match_phrase: { content: { query: phrase } } })),
  ];
}

/**
 * Everything but the words, as filters (no scoring, cacheable). Optional filters apply when given
 * and non-empty, as in the PostgreSQL index; `mentionsEveryone: false` means "no filter".
 */
export function filterClauses(request: SearchRequest): Query[] {
  const filter: Query[] = [
    { term: { deleted: false } },
    { terms: { parent_channel_id: [...request.parentChannelIds] } },
    // DMs have no guild_id: the field is absent from their documents.
    request.guildId === null
      ? { bool: { must_not: [{ exists: { field: 'guild_id' } }] } }
      : { term: { guild_id: request.guildId } },
  ];
  if (request.channelIds?.length) filter.push({ terms: { channel_id: [...request.channelIds] } });
  if (request.authorIds?.length) filter.push({ terms: { author_id: [...request.authorIds] } });
  if (request.mentionUserIds?.length) filter.push({ terms: { mentions_users: [...request.mentionUserIds] } });
  if (request.mentionRoleIds?.length) filter.push({ terms: { mentions_roles: [...request.mentionRoleIds] } });
  if (request.mentionsEveryone) filter.push({ term: { mentions_everyone: true } });
  // Every kind required: one term filter each (a terms filter would mean any of them).
  for (const kind of new Set(request.has ?? [])) filter.push({ term: { has: kind } });
  if (request.before || request.after) {
    filter.push({
      range: {
        created_at: {
          format: 'epoch_millis',
          ...(request.after ? { gte: String(request.after.getTime()) } : {}),
          ...(request.before ? { lt: String(request.before.getTime()) } : {}),
        },
      },
    });
  }
  if (request.pinned !== undefined) filter.push({ term: { pinned: request.pinned } });
  if (request.inThread !== undefined) filter.push({ term: { in_thread: request.inThread } });
  return filter;
}

/** How the request pages: by relevance (offsets) only when there are words to rank by. */
export interface SearchPlan {
  params: API.Search_Request & { body: API.Search_RequestBody };
  /** True when hits are ranked by score and pages continue by offset. */
  relevance: boolean;
  /** The offset of the page's first hit (relevance); 0 for time sorts. */
  from: number;
  limit: number;
}

/**
 * The search. Time sorts order by `seq` (the zero-padded id: creation time, id breaking ties) and
 * continue with `search_after` the cursor's padded id: unlike a range filter, search_after leaves
 * `hits.total` counting every match, so the total is the same on every page (as in PostgreSQL).
 * Relevance sorts by score, ties newest first, and continues by `from`; with no words to rank by,
 * every score is equal and relevance falls back to newest first, paging by id.
 *
 * `size` is the limit plus one: a page that comes back full has a next page.
 */
export function buildSearch(request: SearchRequest, index: string): SearchPlan {
  const limit = Math.max(1, Math.min(MAX_LIMIT, Math.trunc(request.limit)));
  const positive = positiveClauses(request);
  const relevance = request.sort === 'relevance' && positive.length > 0;
  const cursor = request.cursor;

  const query: Query = {
    bool: {
      filter: filterClauses(request),
      ...(positive.length > 0 ? { must: positive } : {}),
      // A phrase query is a plain word query when the text is one word: one form for both.
      ...(request.excluded.length > 0
        ? {
            must_not: request.excluded.map((text): Query => ({ match_phrase: { content: { query: text } } })),
          }
        : {}),
    },
  };

  const body: API.Search_RequestBody = {
    query,
    track_total_hits: TOTAL_CAP,
    _source: { includes: ['guild_id', 'channel_id', 'parent_channel_id'] },
  };
  // An offset is honoured by every sort (as in PostgreSQL); an id only orders time sorts.
  const from = cursor?.kind === 'offset' ? Math.min(Math.max(0, Math.trunc(cursor.offset)), MAX_WINDOW) : 0;
  if (from > 0) body.from = from;
  body.size = Math.max(0, Math.min(limit + 1, MAX_WINDOW - from));
  if (relevance) {
    if (cursor?.kind === 'id')
      throw new RangeError('search index: a relevance page continues from an offset');
    body.sort = [{ _score: { order: 'desc' } }, { seq: { order: 'desc' } }];
  } else {
    body.sort = [{ seq: { order: request.sort === 'oldest' ? 'asc' : 'desc' } }];
    if (cursor?.kind === 'id') body.search_after = [padId(cursor.id)];
  }
  if (positive.length > 0) {
    body.highlight = {
      pre_tags: [MATCH_START],
      post_tags: [MATCH_END],
      encoder: 'default',
      fields: {
        content: {
          type: 'unified',
          fragment_size: FRAGMENT_SIZE,
          number_of_fragments: FRAGMENTS,
          no_match_size: 0,
          // Only the words looked for are marked: not exclusions (which never occur in a hit anyway)
          // and not the filters.
          highlight_query: { bool: { should: positive } },
        },
      },
    };
  }
  return {
    // One shard: every document of a guild (or of all DMs) is routed by the same value.
    params: { index, routing: routingFor(request.guildId), body },
    relevance,
    from,
    limit,
  };
}

/** Highlighter fragments, markers stripped, as text with matched ranges; fragments without a match dropped. */
export function parseHighlights(fragments: readonly string[] | undefined): Highlight[] {
  return (fragments ?? []).map((fragment) => parseMarked(fragment.trim())).filter((h) => h.ranges.length > 0);
}

/** The response of `buildSearch`'s request as a page. */
export function readPage(plan: SearchPlan, response: API.Search_ResponseBody): SearchPage {
  const raw = response.hits.hits;
  const page = raw.slice(0, plan.limit);
  const total = response.hits.total;
  const count = typeof total === 'number' ? total : (total?.value ?? 0);
  const exact = typeof total === 'number' ? count < TOTAL_CAP : total?.relation !== 'gte';

  let next: SearchCursor | null = null;
  const last = page.at(-1);
  if (raw.length > plan.limit && last?._id !== undefined) {
    next = plan.relevance
      ? { kind: 'offset', offset: plan.from + page.length }
      : { kind: 'id', id: last._id };
  }
  return {
    hits: page.map((hit) => {
      const source = (hit._source ?? {}) as HitSource;
      return {
        id: String(hit._id),
        guildId: source.guild_id ?? null,
        channelId: String(source.channel_id),
        parentChannelId: String(source.parent_channel_id),
        highlights: parseHighlights(hit.highlight?.content),
      };
    }),
    total: count,
    totalIsExact: exact,
    next,
  };
}
