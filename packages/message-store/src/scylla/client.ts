import type { Logger } from '@gochat/log';
import { Client, types } from 'cassandra-driver';

import type { ScyllaOptions } from '../options.ts';

/**
 * Connects to the configured ScyllaDB (or Cassandra) hosts. No keyspace is bound to the client: it may
 * not exist before `applyCqlMigrations`, and statements name their tables with the keyspace anyway.
 */
export async function connectScylla(config: ScyllaOptions, log: Logger): Promise<Client> {
  if (!config.hosts?.length) throw new Error('scylla.hosts (SCYLLA_HOSTS) is not set');
  const client = new Client({
    contactPoints: config.hosts,
    localDataCenter: config.localDataCenter,
    ...(config.username && config.password
      ? { credentials: { username: config.username, password: config.password } }
      : {}),
    // Quorum in the local data center for reads and writes: a page read right after a send sees it.
    queryOptions: { consistency: types.consistencies.localQuorum },
    // Unbound optional columns are left unset, never written as null: nulls are tombstones.
    encoding: { useUndefinedAsUnset: true },
  });
  client.on('log', (level: string, target: string, message: string) => {
    if (level === 'warning') log.warn({ target }, `scylla: ${message}`);
    else if (level === 'error') log.error({ target }, `scylla: ${message}`);
  });
  try {
    await client.connect();
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw error;
  }
  log.info({ hosts: config.hosts, localDataCenter: config.localDataCenter }, 'scylla: connected');
  return client;
}
