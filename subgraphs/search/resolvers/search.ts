import { validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';
import { SearchTimeoutError, type SearchHit } from '@gochat/search';

import { nextCursor } from '../cursor.ts';
import type { QueryResolvers, Resolvers } from '../generated/resolvers.ts';
import { buildRequest, type SearchArgs } from '../request.ts';
import { channelScope, directScope, guildScope, type Scope } from '../scope.ts';
import type { SearchResultPageRow } from '../store/rows.ts';
import { callerId, type SearchContext } from './context.ts';

/**
 * The hits the message store still holds: a message deleted moments ago may still be indexed until
 * the indexer catches up, and must not come back as a result the messages subgraph cannot resolve.
 */
async function stillStored(ctx: SearchContext, hits: readonly SearchHit[]): Promise<Set<string>> {
  const byChannel = new Map<string, string[]>();
  for (const hit of hits) byChannel.set(hit.channelId, [...(byChannel.get(hit.channelId) ?? []), hit.id]);
  const found = await Promise.all([...byChannel].map(([channelId, ids]) => ctx.timeline.get(channelId, ids)));
  return new Set(found.flat().map((m) => m.id));
}

const EMPTY: SearchResultPageRow = { results: [], total: 0, totalIsExact: true, nextCursor: null };

async function run(ctx: SearchContext, scope: Scope, args: SearchArgs): Promise<SearchResultPageRow> {
  const request = await buildRequest(ctx, scope, args);
  if (!request) return EMPTY;
  const page = await ctx.index.search(request).catch((error: unknown) => {
    if (error instanceof SearchTimeoutError)
      throw validation('this search matches too much to answer in time: add words or filters', 'query');
    throw error;
  });
  const present = await stillStored(ctx, page.hits);
  return {
    results: page.hits
      .filter((hit) => present.has(hit.id))
      .map((hit) => ({
        message: { id: hit.id, channelId: hit.channelId },
        highlights: hit.highlights,
      })),
    total: page.total,
    totalIsExact: page.totalIsExact,
    nextCursor: nextCursor(request.sort, page.next),
  };
}

const searchMessages: QueryResolvers<SearchContext>['searchMessages'] = async (_, args, ctx) => {
  const userId = callerId(ctx);
  const { guildId, channelId } = args;
  if ((guildId == null) === (channelId == null))
    throw validation('give exactly one of guildId and channelId', guildId == null ? 'guildId' : 'channelId');
  const target = (guildId ?? channelId) as string;
  if (!isSnowflake(target)) throw validation('not a valid id', guildId == null ? 'channelId' : 'guildId');
  const scope =
    guildId != null ? await guildScope(ctx, userId, target) : await channelScope(ctx, userId, target);
  return run(ctx, scope, args);
};

const searchMyMessages: QueryResolvers<SearchContext>['searchMyMessages'] = async (_, args, ctx) =>
  run(ctx, await directScope(ctx, callerId(ctx)), args);

export const resolvers: Resolvers = {
  Query: { searchMessages, searchMyMessages },
};
