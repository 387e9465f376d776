import { Writable } from 'node:stream';

import { createMemoryStore } from '@gochat/cache';
import { logMailbox, openSubgraphHarness, type Mailbox, type SubgraphHarness } from '@gochat/testkit';
import { pino } from 'pino';

import { accountsConfigSchema } from './config.ts';
import { createAccountsRole } from './role.ts';

/**
 * The accounts subgraph in-process on a real database (see openSubgraphHarness), with a memory cache
 * and a log mailer whose mails the test reads from `mailbox`. Its REST endpoints take requests
 * through `fetch`, as the router sends them.
 */
export interface AccountsHarness extends SubgraphHarness {
  mailbox: Mailbox;
}

export const openAccountsHarness = async (postgresAdminUrl?: string | null): Promise<AccountsHarness> => {
  const lines: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  );
  const harness = await openSubgraphHarness(
    {
      subgraph: 'accounts',
      worker: 2,
      role: (deps, lifecycle) =>
        createAccountsRole({
          ...deps,
          log,
          config: accountsConfigSchema.parse({
            secrets: { auth: 'harness-auth-secret-0123456789abcdef', internal: deps.config.secrets.internal },
          }),
          cache: createMemoryStore(),
          lifecycle,
        }),
    },
    postgresAdminUrl,
  );
  return Object.assign(harness, { mailbox: logMailbox({ lines }) });
};
