import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createMemoryBus, type EventBus } from '@gochat/bus';
import { openDatabase, type Database, type DatabaseHandle } from '@gochat/db';
import { user } from '@gochat/drizzle';
import { createSnowflakeGenerator, type SnowflakeGenerator } from '@gochat/ids';
import { IDENTITY_HEADER, createIdentitySigner, type Identity } from '@gochat/identity';
import { Lifecycle, type Role } from '@gochat/lifecycle';
import { silentLogger, type Logger } from '@gochat/log';
import { createOutboxRelay, type OutboxRelay } from '@gochat/outbox';
import { afterAll, beforeAll, describe } from 'vitest';

import { Recorder } from './bus-recorder.ts';
import { createTestDatabase, dropTestDatabase } from './postgres.ts';
import { realServer } from './real-servers.ts';

const SECRET = 'harness-internal-secret-0123456789abcdef';

export type DatabaseName = 'pglite' | 'postgres';

export interface GraphqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Who runs an operation: a user id, undefined for anonymous, or any identity (a scope token, say). */
export type Caller = string | undefined | Identity;

/** What a subgraph role is built from in the harness (the served role also gets config and a lifecycle). */
export interface SubgraphHarnessDeps {
  config: { secrets: { internal: string } };
  db: Database;
  ids: SnowflakeGenerator;
  outbox: OutboxRelay;
  /** The bus the outbox publishes to; `events` records everything delivered on it (ephemeral events too). */
  bus: EventBus;
  log: Logger;
}

export interface SubgraphHarnessOptions {
  /** Names the temporary PGlite directory and the URL requests are addressed to. */
  subgraph: string;
  /** Worker id of the harness's snowflake generator (users, seeded rows and the role's own ids). */
  worker: number;
  /**
   * Builds the role under test. The lifecycle is shut down when the harness closes; hand it to the
   * role only if the role needs one (it may start background jobs on it).
   */
  role(deps: SubgraphHarnessDeps, lifecycle: Lifecycle): Pick<Role, 'fetch'>;
}

/**
 * A subgraph in-process on a real database (PGlite, or a fresh PostgreSQL database), with a memory
 * bus whose events are recorded. For integration tests of stores and resolvers behind GraphQL; the
 * router and auth are exercised by the e2e suites.
 */
export interface SubgraphHarness {
  db: Database;
  kind: DatabaseName;
  /** The generator the role uses; tests may seed rows with it. */
  ids: SnowflakeGenerator;
  /** Every event the outbox published, in order. */
  events: Recorder;
  /** Inserts a verified account and returns its id. */
  createUser(name?: string, handle?: string): Promise<string>;
  /** Runs an operation as the user (or anonymously with undefined), or as any identity. */
  as<T = Record<string, unknown>>(
    who: Caller,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphqlResult<T>>;
  /** Any HTTP request to the role (a REST endpoint, say), carrying the caller's signed identity. */
  fetch(who: Caller, path: string, init?: RequestInit): Promise<Response>;
  /** The data of an operation that must succeed (throws with the errors otherwise). */
  ok<T = Record<string, unknown>>(
    who: Caller,
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

const identityOf = (who: Caller): Identity =>
  typeof who === 'object' ? who : who ? { kind: 'user', userId: who } : { kind: 'anonymous' };

/**
 * Opens the harness on PGlite in a temporary directory, or on a new gochat_t_* database of the
 * PostgreSQL server at postgresAdminUrl (dropped on close).
 */
export async function openSubgraphHarness(
  options: SubgraphHarnessOptions,
  postgresAdminUrl?: string | null,
): Promise<SubgraphHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `gochat-${options.subgraph}-`));
  const url = postgresAdminUrl ? await createTestDatabase(postgresAdminUrl) : undefined;
  const handle: DatabaseHandle = await openDatabase({ url, dataDir, poolSize: 10, log: silentLogger });
  await handle.migrate();
  const db = handle.db;
  const bus = createMemoryBus({ log: silentLogger });
  const events = new Recorder();
  const subscription = bus.subscribe('>', events.handler);
  const outbox = createOutboxRelay({ db, bus, log: silentLogger, intervalMs: 50 });
  const ids = createSnowflakeGenerator(options.worker);
  const lifecycle = new Lifecycle(silentLogger, 5_000);
  const role = options.role(
    { config: { secrets: { internal: SECRET } }, db, ids, outbox, bus, log: silentLogger },
    lifecycle,
  );
  const signer = createIdentitySigner(SECRET);
  let users = 0;

  const as = async <T>(who: Caller, query: string, variables: Record<string, unknown> = {}) => {
    const response = await role.fetch(
      new Request(`http://${options.subgraph}.test/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          [IDENTITY_HEADER]: await signer.sign(identityOf(who)),
        },
        body: JSON.stringify({ query, variables }),
      }),
    );
    return (await response.json()) as GraphqlResult<T>;
  };

  return {
    db,
    kind: handle.kind,
    ids,
    events,
    async fetch(who, requestPath, init = {}) {
      const headers = new Headers(init.headers);
      headers.set(IDENTITY_HEADER, await signer.sign(identityOf(who)));
      return role.fetch(new Request(`http://${options.subgraph}.test${requestPath}`, { ...init, headers }));
    },
    async createUser(name, handleName) {
      users += 1;
      const id = ids.next();
      await db.insert(user).values({
        id,
        name: name ?? `User ${users}`,
        email: `user-${id}@harness.test`,
        emailVerified: true,
        handle: handleName ?? null,
      });
      return id;
    },
    as,
    async ok<T>(who: Caller, query: string, variables?: Record<string, unknown>) {
      const result = await as<T>(who, query, variables);
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

/**
 * Stands in for the harness a suite opens in beforeAll, so suite bodies can close over it while
 * they are declared. Using it before beforeAll ran (at declaration time) throws.
 */
function lateBound<H extends object>(current: () => H | undefined, suite: string): H {
  return new Proxy({} as H, {
    get(_, key) {
      const target = current();
      if (!target) throw new Error(`the harness of "${suite}" is used before beforeAll opened it`);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Declares the suite twice: on PGlite, and on a fresh PostgreSQL database (skipped, with the reason
 * printed, when no server is reachable). Each variant opens its own harness in beforeAll and closes
 * it in afterAll; the body declares the tests with that harness and may branch on the database
 * (PostgreSQL-only concurrency tests). Await it at the top level of the test file.
 */
export async function describeOnBothDatabases<H extends { close(): Promise<void> }>(
  title: string,
  open: (postgresAdminUrl: string | null) => Promise<H>,
  body: (h: H, database: DatabaseName) => void,
): Promise<void> {
  const postgresAdminUrl = await realServer('postgres');
  for (const [database, adminUrl] of [
    ['pglite', null],
    ['postgres', postgresAdminUrl],
  ] as const)
    describe.skipIf(database === 'postgres' && !adminUrl)(`${title} (${database})`, () => {
      let harness: H | undefined;
      beforeAll(async () => {
        harness = await open(adminUrl);
      });
      afterAll(() => harness?.close());
      body(
        lateBound(() => harness, `${title} (${database})`),
        database,
      );
    });
}
