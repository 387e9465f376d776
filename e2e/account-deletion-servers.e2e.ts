import {
  createTestDatabase,
  dropTestDatabase,
  freePort,
  logMailbox,
  realServer,
  uniqueName,
  type GochatProcess,
} from '@gochat/testkit';
import { describe, expect } from 'vitest';

import { accountDeletionScenario } from './account-deletion-flow.ts';
import { natsServerBinary, startPrivateNats, type PrivateNats } from './private-nats.ts';
import { startRoleProcesses } from './role-processes.ts';
import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

const pgUrl = await realServer('postgres');
const natsBinary = natsServerBinary();

/**
 * Account deletion across processes: one per role on real PostgreSQL and a private JetStream, so the
 * guilds process hears UserDeleted through its NATS durable and the router closes the socket on the
 * SessionRevoked the accounts process recorded.
 */
describe.runIf(pgUrl && natsBinary)(
  'account deletion, end to end (one process per role, real servers)',
  () => {
    accountDeletionScenario(async () => {
      const processes: GochatProcess[] = [];
      let nats: PrivateNats | undefined;
      let databaseUrl: string | undefined;
      const stop = async () => {
        const codes = [];
        for (const proc of processes) codes.push(await proc.stop('SIGTERM'));
        await nats?.stop();
        if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
        expect(codes.filter((c) => c !== 0)).toEqual([]);
      };
      try {
        nats = await startPrivateNats(natsBinary!);
        databaseUrl = await createTestDatabase(pgUrl!);
        const prefix = uniqueName('del')
          .toLowerCase()
          .replace(/[^a-z0-9_]/g, '_');
        const { file } = tempConfig(RELAXED_LIMITS);
        const routerPort = await freePort();
        const { accounts, routers } = await startRoleProcesses(
          {
            ...SECRETS,
            GOCHAT_CONFIG: file,
            DATABASE_URL: databaseUrl,
            NATS_URL: nats.url,
            NATS_PREFIX: prefix,
            NATS_STREAM: prefix.toUpperCase(),
            PUBLIC_URL: `http://127.0.0.1:${routerPort}`,
          },
          [routerPort],
          processes,
        );
        return { url: routers[0]!.url, mailbox: logMailbox(accounts), stop };
      } catch (error) {
        await stop().catch(() => {});
        throw error;
      }
    });
  },
);
