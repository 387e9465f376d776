import fs from 'node:fs';

import type { Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';
import { createIdentityVerifier } from '@gochat/identity';
import type { Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import type { OutboxRelay } from '@gochat/outbox';
import { createSubgraph, loaderById } from '@gochat/subgraph-kit';

import type { MessagesConfig } from './config.ts';
import { resolvers, type MessagesContext } from './resolvers.ts';
import { createMessagesStore } from './store.ts';

export interface MessagesDeps {
  config: MessagesConfig;
  db: Database;
  ids: SnowflakeGenerator;
  outbox: OutboxRelay;
  log: Logger;
}

const typeDefs = fs.readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** Messages: sending, reading a channel's latest messages, and the messageCreated subscription field. */
export function createMessagesRole(deps: MessagesDeps): Role {
  const store = createMessagesStore(deps.db, deps.ids);
  const subgraph = createSubgraph<MessagesContext>({
    name: 'messages',
    typeDefs,
    resolvers,
    verifier: createIdentityVerifier(deps.config.secrets.internal),
    log: deps.log,
    context: (base) => ({
      ...base,
      store,
      kick: () => deps.outbox.kick(),
      messages: loaderById(store.messagesByIds),
    }),
  });
  return { name: 'subgraph:messages', fetch: async (request) => subgraph.fetch(request) };
}
