import type { EventBus } from '@gochat/bus';
import type { Lifecycle } from '@gochat/lifecycle';
import type { Logger, Registry } from '@gochat/log';

import { createWorkerRole, type WorkerRole } from '../harness/index.ts';
import type { EventCounterConfig } from './config.ts';
import { createEventCounter, EVENT_COUNTER } from './worker.ts';

export interface EventCounterDeps {
  config: EventCounterConfig;
  bus: EventBus;
  log: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
}

/** worker:event-counter, for the host: needs the bus, nothing else. */
export function createEventCounterWorkerRole(deps: EventCounterDeps): WorkerRole {
  const counter = createEventCounter({ metrics: deps.metrics });
  return createWorkerRole(counter.definition, {
    ...deps,
    settings: deps.config.workers[EVENT_COUNTER],
  });
}
