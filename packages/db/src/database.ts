import fs from 'node:fs';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';

import { PGlite } from '@electric-sql/pglite';
import * as schema from '@gochat/drizzle';
import type { Logger } from '@gochat/log';
import { eq, sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';

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

// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_310_520_231;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

async function openPglite(options: DatabaseOptions): Promise<DatabaseHandle> {
  const dir = path.resolve(options.dataDir, 'pglite');
  fs.mkdirSync(dir, { recursive: true });
  const unlock = lockDirectory(dir);
  const client = await PGlite.create(dir).catch((error: unknown) => {
    unlock();
    throw error;
  });
  const db = drizzlePglite({ client, schema }) as unknown as Database;
  options.log.info({ dir }, 'database: embedded PGlite');
  let closed = false;
  return {
    kind: 'pglite',
    db,
    ping: async () => {
      await client.query('select 1');
    },
    // PGlite is a single in-process connection: nothing else can migrate concurrently.
    migrate: () => migratePglite(db as never, { migrationsFolder: schema.migrationsFolder }),
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
      unlock();
    },
  };
}

/**
 * PGlite has one writer: a second process opening the same directory corrupts it. Hold a lock file
 * with our pid; a lock whose process is gone is stale and taken over.
 */
function lockDirectory(dir: string): () => void {
  const lock = path.join(dir, '..', 'pglite.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(lock, 'utf8'));
      if (owner && owner !== process.pid && isAlive(owner))
        throw new Error(
          `database: ${dir} is in use by process ${owner}; embedded PGlite has a single writer`,
        );
      fs.rmSync(lock, { force: true });
    }
  }
  throw new Error(`database: cannot lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PostgresTls {
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  rejectUnauthorized?: boolean | undefined;
}

const SSL_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat'];

/**
 * node-postgres connection options for a URL and TLS settings, with libpq's meaning of sslmode:
 * disable (no TLS); allow, prefer or require (TLS: node-postgres cannot fall back to plaintext, and the
 * certificate is checked only when a CA is given); verify-ca (the chain); verify-full (the chain and the
 * host name). TLS settings without an sslmode mean verify-full. The URL's ssl* parameters are taken out,
 * or node-postgres would replace these options with its own reading of them.
 */
export function postgresPoolConfig(
  url: string,
  tls?: PostgresTls,
): { connectionString: string; ssl: false | ConnectionOptions } {
  const parsed = new URL(url);
  const params = parsed.searchParams;
  const mode = params.get('sslmode') ?? (tls ? 'verify-full' : 'disable');
  const fromUrl = (name: string) => {
    const file = params.get(name);
    return file ? fs.readFileSync(file) : undefined;
  };
  const ca = tls?.ca ?? fromUrl('sslrootcert');
  const cert = tls?.cert ?? fromUrl('sslcert');
  const key = tls?.key ?? fromUrl('sslkey');
  const hasSslParams = SSL_PARAMS.some((name) => params.has(name));
  for (const name of SSL_PARAMS) params.delete(name);
  const connectionString = hasSslParams ? parsed.toString() : url;
  if (mode === 'disable') return { connectionString, ssl: false };
  if (mode === 'verify-ca' && !ca)
    throw new Error('database: sslmode=verify-ca needs a CA (database.tls.caFile)');
  const ssl: ConnectionOptions = {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: mode === 'verify-full' || ca !== undefined,
    // Any mode short of verify-full checks the chain (when it can) but not the host name.
    ...(mode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
  if (tls?.rejectUnauthorized !== undefined) ssl.rejectUnauthorized = tls.rejectUnauthorized;
  return { connectionString, ssl };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ ...postgresPoolConfig(url, options.tls), max: options.poolSize });
  // An idle client losing its connection emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', (error) => options.log.warn({ err: error }, 'database: idle connection error'));
  const db = drizzleNodePg({ client: pool, schema }) as unknown as Database;
  await pool.query('select 1').catch((error: unknown) => {
    throw new Error(`database: cannot connect to PostgreSQL (${(error as Error).message})`, { cause: error });
  });
  options.log.info({ host: new URL(url).host }, 'database: PostgreSQL');
  let closed = false;
  return {
    kind: 'postgres',
    db,
    ping: async () => {
      await pool.query('select 1');
    },
    migrate: async () => {
      // Several roles may start at once against one database: serialise migrations with a lock
      // held on one dedicated connection, and migrate through that same connection.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        const locked = drizzleNodePg({ client, schema });
        await migrateNodePg(locked, { migrationsFolder: schema.migrationsFolder });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
        client.release();
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Rows of a raw statement, across both drivers (both results carry `rows`). */
export async function queryRows<T extends Record<string, unknown>>(
  db: Database | Transaction,
  query: SQL,
): Promise<T[]> {
  const result: { rows: T[] } = await (db.execute(query) as Promise<unknown> as Promise<{ rows: T[] }>);
  return result.rows;
}

export async function tableExists(db: Database, table: string): Promise<boolean> {
  const rows = await queryRows<{ exists: boolean }>(
    db,
    sql`select to_regclass(${`public.${table}`}) is not null as exists`,
  );
  return Boolean(rows[0]?.exists);
}

/**
 * Whether the user row exists. Subgraphs ask only after a user's request failed, to tell the request
 * of an account deleted since its JWT was issued (UNAUTHENTICATED) from any other failure.
 */
export async function userExists(db: Database, userId: string): Promise<boolean> {
  const rows = await db
    .select({ id: schema.user.id })
    .from(schema.user)
    .where(eq(schema.user.id, userId))
    .limit(1);
  return rows.length > 0;
}

/** The error and every `cause` below it: drizzle wraps driver errors, and drivers differ in depth. */
function* causeChain(error: unknown): Generator<{ code?: unknown; constraint?: unknown }> {
  for (let e = error as { cause?: unknown } | undefined; e && typeof e === 'object'; e = e.cause as typeof e)
    yield e as { code?: unknown; constraint?: unknown };
}

/** The SQLSTATE of a driver error, however drizzle wrapped it. */
export function pgErrorCode(error: unknown): string | undefined {
  for (const e of causeChain(error))
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return undefined;
}

/** True for a unique-constraint violation (optionally of one named constraint). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (pgErrorCode(error) !== '23505') return false;
  return constraint === undefined || [...causeChain(error)].some((e) => e.constraint === constraint);
}

/** True for a foreign-key violation: the row points at something that does not exist (any more). */
export const isForeignKeyViolation = (error: unknown): boolean => pgErrorCode(error) === '23503';
