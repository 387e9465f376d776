import { openDatabase } from '@gochat/db';
import { createLogger } from '@gochat/log';

import type { LoadedConfig } from './load-config.ts';

/**
 * `gochat migrate`: applies the SQL migration set to the configured database and, when ScyllaDB is
 * configured (scylla.hosts), the message store's CQL migrations
 * (packages/message-store/src/scylla/migrations); then exits.
 */
export async function migrate(config: LoadedConfig): Promise<void> {
  const log = createLogger({ level: config.host.log.level, role: 'migrate' });
  const handle = await openDatabase({
    url: config.host.database.url,
    dataDir: config.host.dataDir,
    poolSize: 1,
    log,
  });
  try {
    await handle.migrate();
    log.info({ kind: handle.kind }, 'migrations applied');
  } finally {
    await handle.close();
  }

  const scylla = config.host.scylla;
  if (!scylla.hosts?.length) return;
  // Loaded only here: deployments without ScyllaDB never load cassandra-driver.
  const { connectScylla, applyCqlMigrations } = await import('@gochat/message-store/scylla');
  const client = await connectScylla(scylla, log);
  try {
    await applyCqlMigrations(client, scylla, log); // logs 'scylla: CQL migrations applied'
  } finally {
    await client.shutdown();
  }
}
