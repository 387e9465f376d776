import type { EventBus } from '@gochat/bus';
import type { Database } from '@gochat/db';
import type { Lifecycle } from '@gochat/lifecycle';
import type { Logger, Registry } from '@gochat/log';
import type { MessageTimeline } from '@gochat/message-store';
import type { SearchIndex } from '@gochat/search';

import { createWorkerRole, type WorkerRole } from '../harness/index.ts';
import type { IndexerConfig } from './config.ts';
import { createIndexer, INDEXER } from './worker.ts';

export interface IndexerRoleDeps {
  config: IndexerConfig;
  bus: EventBus;
  db: Database;
  timeline: MessageTimeline;
  index: SearchIndex;
  log: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
}

/** worker:indexer: message events → the search index (OpenSearch, or PostgreSQL full-text). */
export function createIndexerWorkerRole(deps: IndexerRoleDeps): WorkerRole {
  const worker = createIndexer({ db: deps.db, timeline: deps.timeline, index: deps.index });
  return createWorkerRole(worker, { ...deps, settings: deps.config.workers[INDEXER] });
}
