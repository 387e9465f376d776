import type { Database } from '@gochat/db';
import type { Logger } from '@gochat/log';

import type { ScyllaOptions } from './options.ts';
import type { MessageTimeline } from './port.ts';
import { createPostgresTimeline } from './postgres.ts';

/**
 * The configured message store: ScyllaDB when `scylla.hosts` is set (CQL migrations applied first when
 * `migrate`), else PostgreSQL on `db`. cassandra-driver is loaded only in the first case.
 */
export async function openTimeline(options: {
  db: Database;
  scylla: ScyllaOptions;
  log: Logger;
  migrate: boolean;
}): Promise<MessageTimeline> {
  const { db, scylla, log } = options;
  if (!scylla.hosts?.length) return createPostgresTimeline(db);
  const { connectScylla, applyCqlMigrations, createScyllaTimeline } = await import('./scylla/index.ts');
  const client = await connectScylla(scylla, log);
  if (options.migrate) await applyCqlMigrations(client, scylla, log);
  return createScyllaTimeline({ client, db, keyspace: scylla.keyspace, log });
}
