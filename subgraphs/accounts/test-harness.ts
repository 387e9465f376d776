import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createMemoryBus } from '@gochat/bus';
import { createMemoryStore } from '@gochat/cache';
import { openDatabase, type Database, type DatabaseHandle } from '@gochat/db';
import { user } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { IDENTITY_HEADER, createIdentitySigner, type Identity } from '@gochat/identity';
import { Lifecycle } from '@gochat/lifecycle';
import { silentLogger } from '@gochat/log';
import { createOutboxRelay, type OutboxRelay } from '@gochat/outbox';
import { Recorder, createTestDatabase, dropTestDatabase, realServer } from '@gochat/testkit';

import { accountsConfigSchema } from './config.ts';
import { createAccountsRole } from './role.ts';

const SECRET = 'harness-internal-secret-0123456789abcdef';

export interface GraphqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * The accounts subgraph in-process on a real database (PGlite, or PostgreSQL when one is reachable),
 * with a memory bus whose events are recorded and a log mailer. For integration tests of the store
 * and resolvers behind GraphQL; sign-up and sign-in over HTTP are covered by the e2e suites.
 */
export interface AccountsHarness {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Every event the outbox published, in order. */
  events: Recorder;
  /** Inserts a verified account and returns its id. */
  createUser(name?: string, handle?: string): Promise<string>;
  /** Runs an operation as the user (or anonymously with undefined). */
  as<T = Record<string, unknown>>(
    userId: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphqlResult<T>>;
  /** The data of an operation that must succeed (throws with the errors otherwise). */
  ok<T = Record<string, unknown>>(
    userId: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<T>;
  /** Waits until the relay published everything committed so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The error code of a result, 'OK' when it has none. */
export const codeOf = (result: GraphqlResult<unknown>): string =>
  result.errors?.[0]?.extensions?.code ?? (result.data ? 'OK' : 'NO_DATA');

/** PostgreSQL URL for suites that run on both databases: null (skip) when none is reachable. */
export const postgresForTests = () => realServer('postgres');

export async function openAccountsHarness(postgresAdminUrl?: string | null): Promise<AccountsHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-accounts-'));
  const url = postgresAdminUrl ? await createTestDatabase(postgresAdminUrl) : undefined;
  const handle: DatabaseHandle = await openDatabase({ url, dataDir, poolSize: 10, log: silentLogger });
  await handle.migrate();
  const bus = createMemoryBus({ log: silentLogger });
  const events = new Recorder();
  const subscription = bus.subscribe('>', events.handler);
  const outbox: OutboxRelay = createOutboxRelay({ db: handle.db, bus, log: silentLogger, intervalMs: 50 });
  const ids = createSnowflakeGenerator(2);
  const lifecycle = new Lifecycle(silentLogger, 5_000);
  const role = createAccountsRole({
    config: accountsConfigSchema.parse({
      secrets: { auth: 'harness-auth-secret-0123456789abcdef', internal: SECRET },
    }),
    db: handle.db,
    cache: createMemoryStore(),
    ids,
    lifecycle,
    outbox,
    log: silentLogger,
  });
  const signer = createIdentitySigner(SECRET);
  let users = 0;

  const as = async <T>(
    userId: string | undefined,
    query: string,
    variables: Record<string, unknown> = {},
  ) => {
    const identity: Identity = userId ? { kind: 'user', userId } : { kind: 'anonymous' };
    const response = await role.fetch(
      new Request('http://accounts.test/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          [IDENTITY_HEADER]: await signer.sign(identity),
        },
        body: JSON.stringify({ query, variables }),
      }),
    );
    return (await response.json()) as GraphqlResult<T>;
  };

  return {
    db: handle.db,
    kind: handle.kind,
    events,
    async createUser(name, handleName) {
      users += 1;
      const id = ids.next();
      await handle.db.insert(user).values({
        id,
        name: name ?? `User ${users}`,
        email: `user-${id}@harness.test`,
        emailVerified: true,
        handle: handleName ?? null,
      });
      return id;
    },
    as,
    async ok<T>(userId: string | undefined, query: string, variables?: Record<string, unknown>) {
      const result = await as<T>(userId, query, variables);
      if (result.errors?.length || !result.data)
        throw new Error(`operation failed: ${JSON.stringify(result.errors ?? result)}`);
      return result.data;
    },
    flush: () => outbox.flush(),
    async close() {
      await lifecycle.shutdown('harness closed');
      await outbox.stop();
      subscription.unsubscribe();
      await bus.drain();
      await handle.close();
      if (url && postgresAdminUrl) await dropTestDatabase(postgresAdminUrl, url);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
