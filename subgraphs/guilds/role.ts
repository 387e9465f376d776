import fs from 'node:fs';

import type { Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';
import { createIdentityVerifier } from '@gochat/identity';
import type { Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import type { OutboxRelay } from '@gochat/outbox';
import { createSubgraph, loaderById } from '@gochat/subgraph-kit';
import DataLoader from 'dataloader';

import type { GuildsConfig } from './config.ts';
import { resolvers, type GuildsContext } from './resolvers.ts';
import { createGuildsStore } from './store.ts';

export interface GuildsDeps {
  config: GuildsConfig;
  db: Database;
  ids: SnowflakeGenerator;
  outbox: OutboxRelay;
  log: Logger;
}

const typeDefs = fs.readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** Guilds: guilds, channels and membership (the foundation's thin slice). */
export function createGuildsRole(deps: GuildsDeps): Role {
  const store = createGuildsStore(deps.db, deps.ids);
  const subgraph = createSubgraph<GuildsContext>({
    name: 'guilds',
    typeDefs,
    resolvers,
    verifier: createIdentityVerifier(deps.config.secrets.internal),
    log: deps.log,
    context: (base) => {
      const guilds = loaderById(store.guildsByIds);
      const channels = loaderById(store.channelsByIds);
      const memberships = new Map<string, DataLoader<string, boolean>>();
      const membershipOf = (userId: string) => {
        let loader = memberships.get(userId);
        if (!loader) {
          loader = new DataLoader(async (guildIds: readonly string[]) => {
            const member = await store.memberships(userId, guildIds);
            return guildIds.map((g) => member.has(g));
          });
          memberships.set(userId, loader);
        }
        return loader;
      };
      return {
        ...base,
        store,
        kick: () => deps.outbox.kick(),
        loaders: {
          guild: (id) => guilds.load(id),
          channel: (id) => channels.load(id),
          isMember: (guildId, userId) => membershipOf(userId).load(guildId),
        },
      };
    },
  });
  return { name: 'subgraph:guilds', fetch: async (request) => subgraph.fetch(request) };
}
