import type { HostConfig } from '../cli/host-config.ts';
import type { Logger } from '@gochat/log';
import type { Client } from 'cassandra-driver';

/** Connects to the configured ScyllaDB hosts (implementation pending). */
export function connectScylla(config: HostConfig['scylla'], log: Logger): Promise<Client> {
  log.error({ hosts: config.hosts }, 'scylla: not implemented yet');
  return Promise.reject(new Error('ScyllaDB support is not implemented yet'));
}
