import { pgErrorCode, queryRows, type Database } from '@gochat/db';
import { snowflakeAt } from '@gochat/ids';
import { sql, type SQL } from 'drizzle-orm';

import type { SearchCursor, SearchPage, SearchRequest } from '../port.ts';
import { hasMask, MATCH_END, MATCH_START, parseMarked } from '../text.ts';
import { pgArray } from './arrays.ts';

/**
 * Longest a search statement may run. Some accepted queries still match a large part of a guild
 * before positions can be checked (a phrase of one very common word repeated: bench:search), so
 * the database cancels them rather than let one search hold a core.
 */
export const SEARCH_TIMEOUT_MS = 500;

/** A search the database cancelled at SEARCH_TIMEOUT_MS: too broad to answer in time. */
export class SearchTimeoutError extends Error {
  override readonly name = 'SearchTimeoutError';
}

/** Rows of one statement under a statement_timeout of its own (a transaction, so it ends with it). */
async function boundedRows<T extends Record<string, unknown>>(
  db: Database,
  statement: SQL,
  timeoutMs: number,
  unordered = false,
) {
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`));
      // A count visits every row it counts, in no order: a bitmap scan reads each page once, in the
      // table's order, where an ordered index scan over a filter the planner misjudges reads pages
      // at random, many times (bench:search: 8,721 page reads for `from:` + `has:link` on PGlite).
      if (unordered) await tx.execute(sql.raw('set local enable_indexscan = off'));
      return queryRows<T>(tx, statement);
    });
  } catch (error) {
    // 57014 query_canceled: the timeout fired.
    if (pgErrorCode(error) === '57014')
      throw new SearchTimeoutError('search took too long', { cause: error });
    throw error;
  }
}

/** Counting stops here: beyond it the total is a lower bound (a count of every match costs too much). */
export const COUNT_CAP = 1000;
/** Relevance ranks the newest this many matches (the rest follow by time in no search). */
export const RELEVANCE_WINDOW = 2000;
/**
 * A page sorted by time first looks among this many of the newest (or oldest) messages the filters
 * allow, read in order, and reads the text index only when they hold too few matches.
 */
export const RECENT_WINDOW = 10_000;

const join = (parts: SQL[], separator: SQL) =>
  parts.reduce<SQL | undefined>((all, part) => (all ? sql`${all}${separator}${part}` : part), undefined);

/** The tsquery of the words, phrases and exclusions; undefined for a query of filters only. */
function textQuery(request: SearchRequest): SQL | undefined {
  const positive = [
    ...request.terms.map((t) => sql`plainto_tsquery('simple', ${t})`),
    ...request.phrases.map((p) => sql`phraseto_tsquery('simple', ${p})`),
  ];
  const negative = request.excluded.map((e) => sql`!! phraseto_tsquery('simple', ${e})`);
  return join([...positive, ...negative], sql` && `);
}

/** Every condition but the text match, on message_search aliased as s. */
function filters(request: SearchRequest): SQL[] {
  const where: SQL[] = [
    sql`not s.deleted`,
    sql`s.parent_channel_id = any(${pgArray(request.parentChannelIds)}::bigint[])`,
    request.guildId === null ? sql`s.guild_id is null` : sql`s.guild_id = ${request.guildId}::bigint`,
  ];
  if (request.channelIds?.length) {
    const containers = pgArray(request.channelIds);
    where.push(
      sql`(s.channel_id = any(${containers}::bigint[]) or s.parent_channel_id = any(${containers}::bigint[]))`,
    );
  }
  // One author as an equality: the planner then estimates it (and picks the author indexes).
  if (request.authorIds?.length === 1) where.push(sql`s.author_id = ${request.authorIds[0]}`);
  else if (request.authorIds?.length)
    where.push(sql`s.author_id = any(${pgArray(request.authorIds)}::text[])`);
  if (request.mentionUserIds?.length)
    where.push(sql`s.mention_user_ids && ${pgArray(request.mentionUserIds)}::text[]`);
  if (request.mentionRoleIds?.length)
    where.push(sql`s.mention_role_ids && ${pgArray(request.mentionRoleIds)}::text[]`);
  if (request.mentionsEveryone) where.push(sql`s.mentions_everyone`);
  // One literal condition per kind, so the planner matches each to its partial index.
  for (const kind of request.has ?? []) {
    const bit = hasMask([kind]);
    where.push(sql.raw(`(s.has_flags & ${bit}) = ${bit}`));
  }
  if (request.after) where.push(sql`s.message_id >= ${snowflakeAt(request.after)}::bigint`);
  if (request.before) where.push(sql`s.message_id < ${snowflakeAt(request.before)}::bigint`);
  if (request.pinned !== undefined) where.push(sql`s.pinned = ${request.pinned}`);
  if (request.inThread === true) where.push(sql`s.channel_id <> s.parent_channel_id`);
  if (request.inThread === false) where.push(sql`s.channel_id = s.parent_channel_id`);
  return where;
}

/** The page's order, on the inner (s) or outer (p) select's columns. */
function order(request: SearchRequest, relevance: boolean, table: 's' | 'p'): SQL {
  const id = sql.raw(`${table}.message_id`);
  if (relevance)
    return table === 's'
      ? sql`ts_rank_cd(s.document, q.query) desc, ${id} desc`
      : sql`p.rank desc, ${id} desc`;
  return request.sort === 'oldest' ? sql`${id} asc` : sql`${id} desc`;
}

/** Time sorts continue after an id (keyset); relevance continues after a number of hits. */
function cursorCondition(request: SearchRequest): SQL | undefined {
  const cursor = request.cursor;
  if (cursor?.kind !== 'id') return undefined;
  return request.sort === 'oldest'
    ? sql`s.message_id > ${cursor.id}::bigint`
    : sql`s.message_id < ${cursor.id}::bigint`;
}

interface HitRow extends Record<string, unknown> {
  id: string;
  guild_id: string | null;
  channel_id: string;
  parent_channel_id: string;
  headline: string | null;
}

/**
 * One page, its highlights made only for the page's rows, and the match count up to COUNT_CAP.
 * Relevance falls back to newest first when there are no words to rank by.
 */
export async function searchPostgres(
  db: Database,
  request: SearchRequest,
  { timeoutMs = SEARCH_TIMEOUT_MS, recentWindow = RECENT_WINDOW } = {},
): Promise<SearchPage> {
  const bounded = <T extends Record<string, unknown>>(statement: SQL, unordered = false) =>
    boundedRows<T>(db, statement, timeoutMs, unordered);
  const query = textQuery(request);
  const conditions = filters(request);
  const keyset = cursorCondition(request);
  const inOrder = keyset ? [...conditions, keyset] : conditions;
  const matching = query ? [sql`s.document @@ q.query`] : [];
  const base = [...conditions, ...matching];
  const paged = [...inOrder, ...matching];
  const from = query ? sql`message_search s, (select ${query} as query) q` : sql`message_search s`;
  const offset = request.cursor?.kind === 'offset' ? request.cursor.offset : 0;
  const relevance = request.sort === 'relevance' && query !== undefined;

  const headline = query
    ? sql`ts_headline('simple', translate(p.content, ${MATCH_START + MATCH_END}, ''), p.query,
        ${`StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxFragments=3, MaxWords=24, MinWords=8, FragmentDelimiter=\u0001`})`
    : sql`null`;
  const columns = sql`s.message_id, s.guild_id, s.channel_id, s.parent_channel_id, s.content`;
  const where = join(paged, sql` and `);
  const byTime = order(request, false, 's');
  const pageOf = (candidates: SQL) =>
    bounded<HitRow>(
      sql`/* search.page */
        select p.message_id::text as id, p.guild_id::text as guild_id, p.channel_id::text as channel_id,
          p.parent_channel_id::text as parent_channel_id, ${headline} as headline
        from ${candidates} p
        order by ${order(request, relevance, 'p')}`,
    );
  // Relevance ranks only the newest RELEVANCE_WINDOW matches: ranking every match of a common word
  // costs hundreds of ms and grows with the guild, and recent messages matter most in chat.
  const candidates = relevance
    ? sql`(select c.*, ts_rank_cd(c.document, c.query) as rank
             from (select ${columns}, s.document, q.query from ${from} where ${where}
                   order by s.message_id desc limit ${RELEVANCE_WINDOW}) c
             order by rank desc, c.message_id desc
             limit ${request.limit + 1} offset ${offset})`
    : sql`(select ${columns} ${query ? sql`, q.query` : sql``} from ${from} where ${where}
             order by ${byTime} limit ${request.limit + 1})`;
  // Words that occur together (a phrase, or several words) sorted by time: the planner estimates
  // their matches as if the words were independent, far too few for a collocation ("pull request":
  // 240 estimated, 3,927 found), so it reads every candidate's page through a bitmap (thousands of
  // pages, mostly misses on PGlite's small buffer pool) to sort them. Reading the newest messages in
  // order finds a page of such a match in a few hundred pages; a rare one falls through to the index
  // after `recentWindow` rows. One word is estimated from the column's statistics: the planner
  // already picks the ordered scan when that word is frequent.
  const together = request.phrases.length > 0 || request.terms.length > 1;
  const recent =
    query && !relevance && together
      ? sql`(select ${columns}, q.query
               from (select ${columns}, s.document from message_search s
                     where ${join(inOrder, sql` and `)}
                     order by ${byTime} limit ${recentWindow}) s,
                    (select ${query} as query) q
               where s.document @@ q.query
               order by ${byTime} limit ${request.limit + 1})`
      : undefined;
  const pageRows = async () => {
    if (recent) {
      const found = await pageOf(recent);
      if (found.length > request.limit) return found;
    }
    return pageOf(candidates);
  };
  // The page and the count run side by side (a pool runs them at once; PGlite one after the other).
  const [rows, counted] = await Promise.all([
    pageRows(),
    bounded<{ n: number }>(
      sql`/* search.count */ select count(*)::int as n from (select 1 from ${from}
          where ${join(base, sql` and `)} limit ${COUNT_CAP + 1}) c`,
      true,
    ),
  ]);
  const more = rows.length > request.limit;
  const page = rows.slice(0, request.limit);
  const n = Number(counted[0]?.n ?? 0);
  const last = page.at(-1);
  let next: SearchCursor | null = null;
  if (more && last && relevance && offset + page.length < RELEVANCE_WINDOW)
    next = { kind: 'offset', offset: offset + page.length };
  else if (more && last && !relevance) next = { kind: 'id', id: last.id };
  return {
    hits: page.map((r) => ({
      id: r.id,
      guildId: r.guild_id,
      channelId: r.channel_id,
      parentChannelId: r.parent_channel_id,
      highlights: r.headline
        ? r.headline
            .split('\u0001')
            .map((fragment) => parseMarked(fragment.trim()))
            .filter((h) => h.ranges.length > 0)
        : [],
    })),
    total: Math.min(n, COUNT_CAP),
    totalIsExact: n <= COUNT_CAP,
    next,
  };
}
