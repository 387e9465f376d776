import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

import { silentLogger } from '@gochat/log';
import pino from 'pino';
import { createTestDatabase, dropTestDatabase, realServer } from '@gochat/testkit';
import { afterAll, describe, expect, it } from 'vitest';

import { openDatabase, tableExists, type DatabaseHandle } from './database.ts';
import { appliedMigrationMillis, latestMigrationMillis, waitForSchema } from './schema-version.ts';

const pgUrl = await realServer('postgres');

/** One contract for both relational implementations. */
function describeDatabaseContract(name: string, open: () => Promise<DatabaseHandle>) {
  describe(`database contract: ${name}`, () => {
    const handles: DatabaseHandle[] = [];
    afterAll(async () => {
      for (const h of handles) await h.close();
    });

    it('migrates, and migrating again is a no-op', async () => {
      const handle = await open();
      handles.push(handle);
      await handle.migrate();
      await handle.migrate();
      for (const table of ['user', 'session', 'jwks', 'guilds', 'channels', 'messages', 'outbox_events'])
        expect(await tableExists(handle.db, table)).toBe(true);
    });

    it('once migrated, holds the newest migration this build ships', async () => {
      const handle = await open();
      handles.push(handle);
      await handle.migrate();
      expect(await appliedMigrationMillis(handle.db)).toBe(latestMigrationMillis());
      await waitForSchema(handle.db, { timeoutMs: 0, log: silentLogger });
    });

    it('answers ping, and ping fails once closed', async () => {
      const handle = await open();
      await handle.ping();
      await handle.close();
      await expect(handle.ping()).rejects.toThrow();
    });

    it('rolls back a failed transaction', async () => {
      const handle = await open();
      handles.push(handle);
      await handle.migrate();
      const { user } = await import('@gochat/drizzle');
      await expect(
        handle.db.transaction(async (tx) => {
          await tx.insert(user).values({ id: 'rollback-1', name: 'R', email: 'r1@example.test' });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const rows = await handle.db.query.user.findMany({ where: (u, { eq }) => eq(u.id, 'rollback-1') });
      expect(rows).toHaveLength(0);
    });
  });
}

describeDatabaseContract('pglite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-pglite-'));
  return openDatabase({ dataDir: dir, poolSize: 1, log: silentLogger });
});

describe.runIf(pgUrl)('postgres', () => {
  const created: string[] = [];
  const freshDatabase = async () => {
    const url = await createTestDatabase(pgUrl!);
    created.push(url);
    return url;
  };
  afterAll(async () => {
    for (const url of created) await dropTestDatabase(pgUrl!, url);
  });

  describeDatabaseContract('postgres', async () => {
    const url = await freshDatabase();
    return openDatabase({ url, dataDir: '.', poolSize: 4, log: silentLogger });
  });

  it('serialises concurrent migrations from several processes with an advisory lock', async () => {
    const url = await freshDatabase();
    const handles = await Promise.all(
      [1, 2, 3, 4].map(() => openDatabase({ url, dataDir: '.', poolSize: 2, log: silentLogger })),
    );
    await Promise.all(handles.map((h) => h.migrate()));
    expect(await tableExists(handles[0]!.db, 'messages')).toBe(true);
    await Promise.all(handles.map((h) => h.close()));
  });

  it('refuses an unmigrated database at once when no wait is allowed', async () => {
    const handle = await openDatabase({
      url: await freshDatabase(),
      dataDir: '.',
      poolSize: 1,
      log: silentLogger,
    });
    expect(await appliedMigrationMillis(handle.db)).toBeUndefined();
    await expect(waitForSchema(handle.db, { timeoutMs: 0, log: silentLogger })).rejects.toThrow(
      /schema is older than this build.*gochat migrate/,
    );
    await handle.close();
  });

  it('a process that does not migrate starts once another one has migrated', async () => {
    const url = await freshDatabase();
    const [waiter, migrator] = await Promise.all(
      [1, 2].map(() => openDatabase({ url, dataDir: '.', poolSize: 2, log: silentLogger })),
    );
    const lines: string[] = [];
    const log = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push((JSON.parse(line) as { msg: string }).msg) },
    );
    const waiting = waitForSchema(waiter!.db, { timeoutMs: 30_000, log, intervalMs: 20 });
    await expect.poll(() => lines).toContain('database: waiting for migrations');
    await migrator!.migrate();
    await waiting;
    expect(lines).toEqual([
      'database: waiting for migrations',
      'database: migrations applied by another process',
    ]);
    expect(await tableExists(waiter!.db, 'uploads')).toBe(true);
    await Promise.all([waiter!.close(), migrator!.close()]);
  });
});
