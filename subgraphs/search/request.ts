import { DomainError, validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';
import type { HasKind, SearchRequest, SearchSort } from '@gochat/search';
import { MAX_LIMIT } from '@gochat/search';
import { parseSearch, SearchSyntaxError, type NameRef, type ParsedSearch } from '@gochat/search-syntax';

import { decodeCursor } from './cursor.ts';
import type { SearchContext } from './resolvers/context.ts';
import type { Scope } from './scope.ts';
import { existingUsers, threadsOfGuild, usersByHandle } from './store/lookups.ts';

/** Most ids one filter list takes. */
const MAX_IDS = 25;

export interface SearchArgs {
  query: string;
  filters?: {
    authorIds?: readonly string[] | null;
    mentionUserIds?: readonly string[] | null;
    mentionRoleIds?: readonly string[] | null;
    mentionsEveryone?: boolean | null;
    channelIds?: readonly string[] | null;
    has?: readonly string[] | null;
    before?: Date | null;
    after?: Date | null;
    pinned?: boolean | null;
    inThread?: boolean | null;
  } | null;
  sort?: string | null;
  after?: string | null;
  limit?: number | null;
}

/** The query string parsed, a syntax error as VALIDATION pointing at the token. */
export function parseQuery(query: string): ParsedSearch {
  try {
    return parseSearch(query);
  } catch (error) {
    if (!(error instanceof SearchSyntaxError)) throw error;
    throw new DomainError('VALIDATION', error.message, {
      details: { field: 'query', token: error.token, start: error.start, end: error.end },
    });
  }
}

function ids(values: readonly string[] | null | undefined, field: string): string[] {
  const list = [...new Set(values ?? [])];
  if (list.length > MAX_IDS) throw validation(`${field}: at most ${MAX_IDS} ids`, field);
  return list;
}

const unknownName = (what: string, ref: NameRef) =>
  new DomainError('VALIDATION', `unknown ${what} '${ref.value}' at ${ref.start}`, {
    details: { field: 'query', token: ref.value, start: ref.start, end: ref.end },
  });

/** from: and mentions: names to user ids; a name that is no user is VALIDATION at its token. */
async function resolveUsers(ctx: SearchContext, refs: readonly NameRef[]): Promise<string[]> {
  const names = refs.filter((r) => r.kind === 'name').map((r) => r.value);
  const idRefs = refs.filter((r) => r.kind === 'id').map((r) => r.value);
  const [byHandle, known] = await Promise.all([usersByHandle(ctx.db, names), existingUsers(ctx.db, idRefs)]);
  return refs.map((ref) => {
    const id =
      ref.kind === 'id'
        ? known.has(ref.value)
          ? ref.value
          : undefined
        : byHandle.get(ref.value.toLowerCase());
    if (!id) throw unknownName('user', ref);
    return id;
  });
}

/** Dates from the query and the filters together: the narrowest range. */
function timeRange(parsed: ParsedSearch, filters: SearchArgs['filters']) {
  const before = [parsed.before, filters?.before ?? undefined].filter((d): d is Date => d !== undefined);
  const after = [parsed.after, filters?.after ?? undefined].filter((d): d is Date => d !== undefined);
  const range = {
    before: before.length ? new Date(Math.min(...before.map((d) => d.getTime()))) : undefined,
    after: after.length ? new Date(Math.max(...after.map((d) => d.getTime()))) : undefined,
  };
  if (range.before && range.after && range.after >= range.before)
    throw validation('dates leave no time between them', 'filters');
  return range;
}

/**
 * Which containers the search covers: the scope's readable channels, narrowed by in: and channelIds.
 * A channel the caller cannot read is named like one that does not exist, so nothing leaks.
 */
async function containers(
  ctx: SearchContext,
  scope: Scope,
  parsed: ParsedSearch,
  channelIds: string[],
): Promise<Pick<SearchRequest, 'guildId' | 'parentChannelIds' | 'channelIds'>> {
  if (scope.kind !== 'guild') {
    if (parsed.in.length > 0 || channelIds.length > 0)
      throw validation('in: and channelIds apply to guild searches', 'filters');
    if (scope.kind === 'direct') return { guildId: null, parentChannelIds: scope.channelIds };
    return {
      guildId: scope.guildId,
      parentChannelIds: [scope.parentChannelId],
      channelIds: [scope.threadId ?? scope.parentChannelId],
    };
  }
  const readable = new Map(scope.readable.map((c) => [c.id, c]));
  const all = scope.readable.map((c) => c.id);
  if (parsed.in.length === 0 && channelIds.length === 0)
    return { guildId: scope.guildId, parentChannelIds: all };
  const wanted = [...parsed.in.filter((r) => r.kind === 'id').map((r) => r.value), ...channelIds];
  for (const id of wanted) if (!isSnowflake(id)) throw validation('channelIds: not a valid id', 'filters');
  const threads = await threadsOfGuild(
    ctx.db,
    scope.guildId,
    wanted.filter((id) => !readable.has(id)),
  );
  const parents = new Set<string>();
  const containers = new Set<string>();
  const pick = (id: string, ref?: NameRef) => {
    const parent = readable.has(id) ? id : threads.get(id);
    if (parent === undefined || !readable.has(parent))
      throw ref ? unknownName('channel', ref) : validation(`channelIds: unknown channel ${id}`, 'filters');
    parents.add(parent);
    containers.add(id);
  };
  for (const ref of parsed.in) {
    if (ref.kind === 'id') pick(ref.value, ref);
    else {
      const named = scope.readable.filter((c) => c.name?.toLowerCase() === ref.value.toLowerCase());
      if (named.length === 0) throw unknownName('channel', ref);
      for (const c of named) pick(c.id);
    }
  }
  for (const id of channelIds) pick(id);
  return { guildId: scope.guildId, parentChannelIds: [...parents], channelIds: [...containers] };
}

/** The arguments as the index takes them, every name resolved; undefined: nothing readable to search. */
export async function buildRequest(
  ctx: SearchContext,
  scope: Scope,
  args: SearchArgs,
): Promise<SearchRequest | undefined> {
  const limit = args.limit ?? 25;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw validation(`limit: between 1 and ${MAX_LIMIT}`, 'limit');
  const sort = (args.sort ?? 'NEWEST').toLowerCase() as SearchSort;
  const cursor = args.after ? decodeCursor(args.after, sort) : undefined;
  const parsed = parseQuery(args.query);
  const filters = args.filters;
  const [fromIds, mentionIds] = await Promise.all([
    resolveUsers(ctx, parsed.from),
    resolveUsers(ctx, parsed.mentions),
  ]);
  const authorIds = [...new Set([...fromIds, ...ids(filters?.authorIds, 'authorIds')])];
  const mentionUserIds = [...new Set([...mentionIds, ...ids(filters?.mentionUserIds, 'mentionUserIds')])];
  const mentionRoleIds = ids(filters?.mentionRoleIds, 'mentionRoleIds');
  const has = [...new Set([...parsed.has, ...(filters?.has ?? []).map((h) => h.toLowerCase() as HasKind)])];
  const { before, after } = timeRange(parsed, filters);
  const mentionsEveryone = parsed.mentionsEveryone || filters?.mentionsEveryone === true || undefined;
  const pinned = parsed.pinned ?? filters?.pinned ?? undefined;
  const inThread = filters?.inThread ?? undefined;
  const where = await containers(ctx, scope, parsed, ids(filters?.channelIds, 'channelIds'));

  const words = parsed.terms.length + parsed.phrases.length;
  const narrowing =
    authorIds.length +
    mentionUserIds.length +
    mentionRoleIds.length +
    has.length +
    (before || after ? 1 : 0) +
    (mentionsEveryone ? 1 : 0) +
    (pinned !== undefined ? 1 : 0) +
    (parsed.in.length || filters?.channelIds?.length ? 1 : 0) +
    (inThread !== undefined ? 1 : 0);
  // Exclusions alone would scan every message: ask for something to find.
  if (words === 0 && narrowing === 0)
    throw validation('nothing to search for: add a word or a filter', 'query');
  if (where.parentChannelIds.length === 0) return undefined;
  return {
    ...where,
    terms: parsed.terms,
    phrases: parsed.phrases,
    excluded: parsed.excluded,
    authorIds,
    mentionUserIds,
    mentionRoleIds,
    mentionsEveryone,
    has,
    before,
    after,
    pinned,
    inThread,
    sort,
    limit,
    cursor,
  };
}
