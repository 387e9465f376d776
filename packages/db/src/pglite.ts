import fs from 'node:fs';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import * as schema from '@gochat/drizzle';
import type { Logger } from '@gochat/log';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';

import { initialiseDataDirectory, isInitialised } from './pglite-template.ts';
import type { Database, DatabaseHandle, DatabaseOptions } from './types.ts';

/**
 * PostgreSQL settings for the embedded database (decision 0037). initdb sizes shared_buffers for a
 * server (128 MB); PGlite keeps them in its WebAssembly memory, which the process touches whole at
 * start. 16 MB holds a development database's working set; reads beyond it come from the file
 * system's cache.
 */
export const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB'];

export async function openPglite(options: DatabaseOptions): Promise<DatabaseHandle> {
  const dir = path.resolve(options.dataDir, 'pglite');
  fs.mkdirSync(dir, { recursive: true });
  const unlock = lockDirectory(dir);
  const client = await initDataDirectory(dir, options.log)
    .then(() => PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS] }))
    .catch((error: unknown) => {
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

/** An empty directory gets a new database (pglite-template.ts); an existing one is opened as it is. */
async function initDataDirectory(dir: string, log: Logger): Promise<void> {
  if (isInitialised(dir)) return;
  const how = await initialiseDataDirectory(dir, log);
  log.info({ dir, how }, 'database: created the embedded database');
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
