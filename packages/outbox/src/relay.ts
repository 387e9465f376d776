import type { EventBus } from '@gochat/bus';
import type { Database } from '@gochat/db';
import type { Logger } from '@gochat/log';

import { deletePublishedBefore, publishPendingBatch, type BeforePublish } from './store.ts';

export interface OutboxRelayOptions {
  db: Database;
  bus: EventBus;
  log: Logger;
  /** Sweep interval: picks up events whose kick was lost (crash, other process). */
  intervalMs?: number;
  batchSize?: number;
  retentionMs?: number;
}

export interface OutboxRelay {
  /** Publish soon: call after a commit that appended events. Coalesces concurrent kicks. */
  kick(): void;
  /** Resolves when everything pending at call time has been published (or the attempt failed). */
  flush(): Promise<void>;
  /** Adds work to run before each batch is published (see BeforePublish). */
  beforePublish(hook: BeforePublish): void;
  /** Stops the sweep, finishes the run in progress and publishes what is left. */
  stop(): Promise<void>;
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, bus, log, intervalMs = 1_000, batchSize = 200, retentionMs = 3_600_000 } = options;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let sweeps = 0;
  const hooks: BeforePublish[] = [];
  const runHooks: BeforePublish = async (tx, events) => {
    for (const hook of hooks) await hook(tx, events);
  };

  const publishAll = async () => {
    let published: number;
    do {
      published = await publishPendingBatch(
        db,
        batchSize,
        async (events) => {
          // In order, one at a time: per-subject order is what subscribers rely on.
          for (const event of events) await bus.publish(event);
        },
        runHooks,
      );
    } while (published === batchSize);
  };

  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          try {
            await publishAll();
          } catch (error) {
            // The rows stay pending; the next sweep retries them.
            log.warn({ err: error }, 'outbox: publish failed, will retry');
          }
        } while (again && !stopped);
      } finally {
        // Cleared in the same step as the last look at `again`: a kick or flush after that look starts a
        // new run. Cleared later (in a .finally callback), it would join this ending run and be lost.
        // The body always awaits first, so this runs after `running` has been assigned.
        running = undefined;
      }
    })();
    return running;
  };

  const timer = setInterval(() => {
    void run();
    if (++sweeps % 600 === 0)
      void deletePublishedBefore(db, new Date(Date.now() - retentionMs)).catch((error: unknown) =>
        log.warn({ err: error }, 'outbox: cleanup failed'),
      );
  }, intervalMs);
  timer.unref();

  return {
    kick: () => void run(),
    beforePublish: (hook) => void hooks.push(hook),
    flush: () => run(),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
      stopped = false;
      await run();
      stopped = true;
    },
  };
}
