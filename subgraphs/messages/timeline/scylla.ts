import type { Database } from '@gochat/db';
import type { Logger } from '@gochat/log';
import type { Client } from 'cassandra-driver';

import type { MessageTimeline } from './port.ts';

/** The ScyllaDB timeline (implementation pending). */
export function createScyllaTimeline(options: {
  client: Client;
  db: Database;
  keyspace: string;
  log: Logger;
}): MessageTimeline {
  throw new Error(`ScyllaDB timeline is not implemented yet (${options.keyspace})`);
}
