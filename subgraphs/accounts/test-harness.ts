import { createMemoryStore } from '@gochat/cache';
import { openSubgraphHarness, type SubgraphHarness } from '@gochat/testkit';

import { accountsConfigSchema } from './config.ts';
import { createAccountsRole } from './role.ts';

/**
 * The accounts subgraph in-process on a real database (see openSubgraphHarness), with a memory cache
 * and a log mailer. Sign-up and sign-in over HTTP are covered by the e2e suites.
 */
export type AccountsHarness = SubgraphHarness;

export const openAccountsHarness = (postgresAdminUrl?: string | null): Promise<AccountsHarness> =>
  openSubgraphHarness(
    {
      subgraph: 'accounts',
      worker: 2,
      role: (deps, lifecycle) =>
        createAccountsRole({
          ...deps,
          config: accountsConfigSchema.parse({
            secrets: { auth: 'harness-auth-secret-0123456789abcdef', internal: deps.config.secrets.internal },
          }),
          cache: createMemoryStore(),
          lifecycle,
        }),
    },
    postgresAdminUrl,
  );
