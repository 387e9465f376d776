import type { Role, RoleName, ServiceLink, SubgraphName } from '@gochat/lifecycle';
import type { z } from 'zod';

import { accountsConfigSchema } from '../subgraphs/accounts/config.ts';
import { guildsConfigSchema } from '../subgraphs/guilds/config.ts';
import { messagesConfigSchema } from '../subgraphs/messages/config.ts';
import { routerConfigSchema } from '../router/config.ts';
import type { Infrastructure } from './infrastructure.ts';

export interface RoleSpec<S extends z.ZodType = z.ZodType> {
  configSchema: S;
  defaultPort: number;
  /** Infrastructure the role needs; the host connects only to what its roles need. */
  /**
   * timeline: the role uses the message store; 'migrates' when it also applies the CQL migrations at
   * start (the messages role only, so no two kinds of process race on ScyllaDB schema changes).
   */
  needs: {
    database: boolean;
    bus: boolean;
    cache: boolean;
    presence?: boolean;
    timeline?: 'uses' | 'migrates';
  };
  create(config: z.infer<S>, infra: Infrastructure, links: Record<SubgraphName, ServiceLink>): Promise<Role>;
}

const spec = <S extends z.ZodType>(s: RoleSpec<S>) => s as unknown as RoleSpec;

/**
 * Every role `gochat start <role>` can run. Role modules are imported lazily, so a process loads
 * only the code of the roles it runs.
 */
export const ROLES: Record<RoleName, RoleSpec> = {
  router: spec({
    configSchema: routerConfigSchema,
    defaultPort: 4000,
    needs: { database: false, bus: true, cache: true, presence: true },
    create: async (config, infra, links) => {
      const { createRouterRole } = await import('../router/role.ts');
      return createRouterRole({ config, links, ...infra.require('bus', 'cache', 'presence'), ...infra.base });
    },
  }),
  'subgraph:accounts': spec({
    configSchema: accountsConfigSchema,
    defaultPort: 4001,
    needs: { database: true, bus: true, cache: true },
    create: async (config, infra) => {
      const { createAccountsRole } = await import('../subgraphs/accounts/role.ts');
      return createAccountsRole({ config, ...infra.require('db', 'cache', 'outbox'), ...infra.base });
    },
  }),
  'subgraph:guilds': spec({
    configSchema: guildsConfigSchema,
    defaultPort: 4002,
    needs: { database: true, bus: true, cache: false, timeline: 'uses' },
    create: async (config, infra) => {
      const { createGuildsRole } = await import('../subgraphs/guilds/role.ts');
      return createGuildsRole({ config, ...infra.require('db', 'outbox', 'timeline'), ...infra.base });
    },
  }),
  'subgraph:messages': spec({
    configSchema: messagesConfigSchema,
    defaultPort: 4003,
    needs: { database: true, bus: true, cache: true, timeline: 'migrates' },
    create: async (config, infra) => {
      const { createMessagesRole } = await import('../subgraphs/messages/role.ts');
      return createMessagesRole({
        config,
        ...infra.require('db', 'outbox', 'bus', 'cache', 'timeline'),
        ...infra.base,
      });
    },
  }),
};

export const SUBGRAPH_ROLES: Record<SubgraphName, RoleName> = {
  accounts: 'subgraph:accounts',
  guilds: 'subgraph:guilds',
  messages: 'subgraph:messages',
};
