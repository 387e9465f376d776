import type { HostConfig } from '../cli/host-config.ts';
import type { Logger } from '@gochat/log';
import type { Client } from 'cassandra-driver';

/** Applies the CQL migrations in scylla/migrations (implementation pending). */
export function applyCqlMigrations(client: Client, config: HostConfig['scylla'], log: Logger): Promise<void> {
  log.error({ keyspace: config.keyspace, client: Boolean(client) }, 'scylla: migrations not implemented yet');
  return Promise.reject(new Error('ScyllaDB support is not implemented yet'));
}
