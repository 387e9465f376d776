import fs from 'node:fs';

import { createAccessStore } from '@gochat/channel-access';
import { userExists, type Database } from '@gochat/db';
import { createIdentityVerifier } from '@gochat/identity';
import type { Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import type { MessageTimeline } from '@gochat/message-store';
import type { SearchIndex } from '@gochat/search';
import { createSubgraph } from '@gochat/subgraph-kit';

import type { SearchConfig } from './config.ts';
import type { SearchContext } from './resolvers/context.ts';
import { resolvers } from './resolvers/index.ts';

export interface SearchDeps {
  config: SearchConfig;
  db: Database;
  index: SearchIndex;
  timeline: MessageTimeline;
  log: Logger;
}

const typeDefs = fs.readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** Search: messages across a guild, a channel or the caller's DMs, only where the caller may read. */
export function createSearchRole(deps: SearchDeps): Role {
  const access = createAccessStore(deps.db);
  const subgraph = createSubgraph<SearchContext>({
    name: 'search',
    typeDefs,
    resolvers,
    verifier: createIdentityVerifier(deps.config.secrets.internal),
    log: deps.log,
    accountExists: (userId) => userExists(deps.db, userId),
    context: (base) => ({ ...base, db: deps.db, index: deps.index, timeline: deps.timeline, access }),
  });
  return { name: 'subgraph:search', fetch: async (request) => subgraph.fetch(request) };
}
