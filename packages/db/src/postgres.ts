import * as schema from '@gochat/drizzle';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

import type { Database, DatabaseHandle, DatabaseOptions } from './types.ts';
import { postgresPoolConfig } from './postgres-config.ts';

// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_310_520_231;

export async function openPostgres(url: string, options: DatabaseOptions): Promise<DatabaseHandle> {
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
