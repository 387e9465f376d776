import type { Logger } from '@gochat/log';
import type * as schema from '@gochat/drizzle';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

import type { PostgresTls } from './postgres-config.ts';

/** The database port's types, apart from openDatabase so each driver module can import them. */
export type Schema = typeof schema;
/** The driver-neutral drizzle handle every store receives: PGlite and node-postgres both fit it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface DatabaseHandle {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Database;
  /** Throws when the database cannot answer. Used by /ready. */
  ping(): Promise<void>;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; absent means embedded PGlite under dataDir. Its sslmode applies (postgresPoolConfig). */
  url?: string | undefined;
  /** TLS to PostgreSQL (PEM contents); set, TLS is on even without an sslmode. */
  tls?: PostgresTls | undefined;
  dataDir: string;
  poolSize: number;
  log: Logger;
}
