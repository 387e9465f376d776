import { queryRows, type Database } from '@gochat/db';
import { snowflakeAt } from '@gochat/ids';
import { sql, type SQL } from 'drizzle-orm';

import type { SearchCursor, SearchPage, SearchRequest } from '../port.ts';
import { hasMask, MATCH_END, MATCH_START, parseMarked } from '../text.ts';
import { pgArray } from './arrays.ts';

/** Counting stops here: beyond it the total is a lower bound (a count of every match costs too much). */
export const COUNT_CAP = 1000;

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
  if (request.authorIds?.length) where.push(sql`s.author_id = any(${pgArray(request.authorIds)}::text[])`);
  if (request.mentionUserIds?.length)
    where.push(sql`s.mention_user_ids && ${pgArray(request.mentionUserIds)}::text[]`);
  if (request.mentionRoleIds?.length)
    where.push(sql`s.mention_role_ids && ${pgArray(request.mentionRoleIds)}::text[]`);
  if (request.mentionsEveryone) where.push(sql`s.mentions_everyone`);
  if (request.has?.length) {
    const mask = hasMask(request.has);
    where.push(sql`(s.has_flags & ${mask}) = ${mask}`);
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
export async function searchPostgres(db: Database, request: SearchRequest): Promise<SearchPage> {
  const query = textQuery(request);
  const base = filters(request);
  if (query) base.push(sql`s.document @@ q.query`);
  const from = query ? sql`message_search s, (select ${query} as query) q` : sql`message_search s`;
  const paged = [...base];
  const keyset = cursorCondition(request);
  if (keyset) paged.push(keyset);
  const offset = request.cursor?.kind === 'offset' ? request.cursor.offset : 0;
  const relevance = request.sort === 'relevance' && query !== undefined;

  const headline = query
    ? sql`ts_headline('simple', translate(p.content, ${MATCH_START + MATCH_END}, ''), p.query,
        ${`StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxFragments=3, MaxWords=24, MinWords=8, FragmentDelimiter=\u0001`})`
    : sql`null`;
  const rows = await queryRows<HitRow>(
    db,
    sql`/* search.page */
      select p.message_id::text as id, p.guild_id::text as guild_id, p.channel_id::text as channel_id,
        p.parent_channel_id::text as parent_channel_id, ${headline} as headline
      from (select s.message_id, s.guild_id, s.channel_id, s.parent_channel_id, s.content
              ${query ? sql`, q.query` : sql``}
              ${relevance ? sql`, ts_rank_cd(s.document, q.query) as rank` : sql``}
            from ${from} where ${join(paged, sql` and `)}
            order by ${order(request, relevance, 's')}
            limit ${request.limit + 1} offset ${offset}) p
      order by ${order(request, relevance, 'p')}`,
  );
  const more = rows.length > request.limit;
  const page = rows.slice(0, request.limit);
  const counted = await queryRows<{ n: number }>(
    db,
    sql`/* search.count */ select count(*)::int as n from (select 1 from ${from}
        where ${join(base, sql` and `)} limit ${COUNT_CAP + 1}) c`,
  );
  const n = Number(counted[0]?.n ?? 0);
  const last = page.at(-1);
  let next: SearchCursor | null = null;
  if (more && last)
    next = relevance ? { kind: 'offset', offset: offset + page.length } : { kind: 'id', id: last.id };
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
