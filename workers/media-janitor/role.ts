import type { BlobStore } from '@gochat/blob-store';
import type { EventBus } from '@gochat/bus';
import type { Database } from '@gochat/db';
import { schedulePeriodic, type Lifecycle } from '@gochat/lifecycle';
import type { Logger, Registry } from '@gochat/log';

import { createWorkerRole, type WorkerRole } from '../harness/index.ts';
import type { MediaJanitorConfig } from './config.ts';
import { createMediaJanitor, MEDIA_JANITOR, sweepExpired } from './worker.ts';

export interface MediaJanitorDeps {
  config: MediaJanitorConfig;
  bus: EventBus;
  db: Database;
  blob: BlobStore;
  log: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
  /** How often expired uploads are swept (default a minute). */
  sweepIntervalMs?: number;
}

/** worker:media-janitor: deletes unused uploads' objects after the events that released them, and expired ones periodically. */
export function createMediaJanitorWorkerRole(deps: MediaJanitorDeps): WorkerRole {
  const janitor = { db: deps.db, blob: deps.blob, log: deps.log };
  const sweep = schedulePeriodic({
    name: 'expired uploads',
    run: () => sweepExpired(janitor),
    log: deps.log,
    intervalMs: deps.sweepIntervalMs ?? 60_000,
  });
  deps.lifecycle.defer('expired uploads', () => sweep.stop());
  return createWorkerRole(createMediaJanitor(janitor), {
    ...deps,
    settings: deps.config.workers[MEDIA_JANITOR],
  });
}
