import { openSubgraphHarness, type SubgraphHarness } from '@gochat/testkit';

import { createGuildsRole } from './role.ts';

/**
 * The guilds subgraph in-process on a real database (see openSubgraphHarness). No lifecycle is
 * handed to the role, so the audit purge job does not run.
 */
export type GuildsHarness = SubgraphHarness;

export const openGuildsHarness = (postgresAdminUrl?: string | null): Promise<GuildsHarness> =>
  openSubgraphHarness(
    { subgraph: 'guilds', worker: 1, role: (deps) => createGuildsRole(deps) },
    postgresAdminUrl,
  );
