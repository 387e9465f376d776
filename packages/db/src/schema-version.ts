import * as schema from '@gochat/drizzle';
import type { Logger } from '@gochat/log';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';

import { pgErrorCode, queryRows } from './database.ts';
import type { Database } from './types.ts';

/** undefined_table, invalid_schema_name: nothing has migrated this database yet. */
const NOT_MIGRATED = new Set(['42P01', '3F000']);

/** The newest migration this build ships, as drizzle's migrator records it (`folderMillis`). */
export function latestMigrationMillis(migrationsFolder = schema.migrationsFolder): number {
  return readMigrationFiles({ migrationsFolder }).at(-1)?.folderMillis ?? 0;
}

/** The newest migration applied to the database; undefined when none is. */
export async function appliedMigrationMillis(db: Database): Promise<number | undefined> {
  try {
    const rows = await queryRows<{ latest: string | number | null }>(
      db,
      sql`select max(created_at) as latest from drizzle.__drizzle_migrations`,
    );
    const latest = rows[0]?.latest;
    return latest === null || latest === undefined ? undefined : Number(latest);
  } catch (error) {
    if (NOT_MIGRATED.has(pgErrorCode(error) ?? '')) return undefined;
    throw error;
  }
}

export interface SchemaWaitOptions {
  /** Gives up after this long; 0 checks once. */
  timeoutMs: number;
  log: Logger;
  /** First pause between checks; it doubles up to 2 s. */
  intervalMs?: number;
}

/**
 * Resolves once the database holds every migration this build ships. A role that does not migrate
 * starts alongside the one that does (or after `gochat migrate`): without this wait its first query,
 * a periodic job's say, meets a missing table. A newer schema (a rolling upgrade) is accepted.
 */
export async function waitForSchema(db: Database, options: SchemaWaitOptions): Promise<void> {
  const wanted = latestMigrationMillis();
  const deadline = Date.now() + options.timeoutMs;
  let pause = options.intervalMs ?? 100;
  let announced = false;
  for (;;) {
    const applied = await appliedMigrationMillis(db);
    if (applied !== undefined && applied >= wanted) {
      if (announced) options.log.info('database: migrations applied by another process');
      return;
    }
    if (Date.now() >= deadline)
      throw new Error(
        'database: the schema is older than this build and this role does not migrate; ' +
          'run `gochat migrate` (or start a role that migrates)',
      );
    if (!announced) {
      options.log.info({ timeoutMs: options.timeoutMs }, 'database: waiting for migrations');
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
    pause = Math.min(pause * 2, 2_000);
  }
}
