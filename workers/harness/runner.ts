import type { DurableConsumer, DurableMessage, EventBus } from '@gochat/bus';
import { deadLetterSubject, type EventType } from '@gochat/events';
import type { Lifecycle } from '@gochat/lifecycle';
import type { Logger, Registry } from '@gochat/log';

import { retryDelay } from './backoff.ts';
import type { WorkerSettings } from './config.ts';
import type { Delivered, WorkerDefinition, WorkerEvent } from './definition.ts';
import { workerMetrics } from './metrics.ts';

export interface WorkerDeps {
  bus: EventBus;
  log: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
  settings: WorkerSettings;
}

export interface WorkerRuntime {
  readonly name: string;
  /** Bound to its durable consumer and not stopping. */
  readonly bound: boolean;
  /** The drain: stop fetching, finish and acknowledge the events in hand, close. Idempotent. */
  stop(): Promise<void>;
  /** For tests: stops at once as a killed process would, the batch in hand left unacknowledged. */
  kill(): Promise<void>;
}

const BIND_RETRY_MS = [500, 1_000, 2_000, 5_000];
/** How long one fetch waits when there is nothing to do (the lag gauge refreshes at least this often). */
const IDLE_FETCH_MS = 1_000;
const STATUS_REFRESH_MS = 1_000;

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs a worker: binds its durable consumer (retrying until the bus answers), then fetches batches,
 * hands them to the handler, acknowledges what succeeded and schedules retries, with exponential
 * backoff, of what failed (the last failure goes to deadletter.<name>). Registers its readiness and its
 * drain with the lifecycle: the drain runs before the bus's, so acknowledgements still go out.
 */
export function startWorker<T extends EventType>(
  definition: WorkerDefinition<T>,
  deps: WorkerDeps,
): WorkerRuntime {
  const { bus, settings, lifecycle } = deps;
  const { name } = definition;
  const log = deps.log.child({ worker: name });
  const metrics = workerMetrics(deps.metrics, name);
  const handled = new Set<string>(definition.events);
  let consumer: DurableConsumer | undefined;
  let stopping = false;
  let killed = false;
  let reportedMissed = 0;
  /** What /ready's details and the lag gauges show. */
  const lag = { events: 0, seconds: 0 };
  let wakeSleep = () => undefined as void;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function bind(): Promise<DurableConsumer | undefined> {
    for (let attempt = 0; !stopping; attempt++) {
      try {
        const opened = await bus.durable({
          name,
          patterns: definition.subjects,
          deadLetterSubject: deadLetterSubject(name),
          ackWaitMs: settings.ackWaitMs,
          maxDeliveries: settings.maxDeliveries,
          startAt: definition.startAt ?? 'new',
          prefetch: settings.batchSize,
        });
        if (!stopping) {
          log.info({ subjects: definition.subjects }, 'worker: bound to its durable consumer');
          return opened;
        }
        await opened.close();
      } catch (err) {
        log.warn({ err }, 'worker: could not open its durable consumer; retrying');
        await sleep(BIND_RETRY_MS[Math.min(attempt, BIND_RETRY_MS.length - 1)]!);
      }
    }
    return undefined;
  }

  /** Up to `max` events: what is there when the first arrives, plus what comes within lingerMs. */
  async function collect(from: DurableConsumer, max = settings.batchSize): Promise<DurableMessage[]> {
    const batch = await from.fetch(max, IDLE_FETCH_MS);
    const deadline = Date.now() + settings.lingerMs;
    while (batch.length > 0 && batch.length < max && !stopping) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      batch.push(...(await from.fetch(max - batch.length, left)));
    }
    return batch;
  }

  async function succeed(message: DurableMessage, counter = metrics.processed): Promise<void> {
    if (killed) return;
    try {
      await message.ack();
      counter.inc();
    } catch (err) {
      log.warn({ err, eventId: message.event.id }, 'worker: acknowledgement failed; delivered again later');
    }
  }

  async function failed(message: DurableMessage, error: unknown): Promise<void> {
    metrics.failed.inc();
    if (killed) return;
    const { id: eventId, type } = message.event;
    const { deliveries } = message;
    try {
      const outcome = await message.fail(error, retryDelay(deliveries, settings));
      if (outcome === 'dead-lettered') {
        metrics.deadLettered.inc();
        log.error({ eventId, type, deliveries, error: errorMessage(error) }, 'worker: event dead-lettered');
      } else
        log.warn(
          { eventId, type, deliveries, error: errorMessage(error) },
          'worker: handler failed; will retry',
        );
    } catch (err) {
      log.error({ err, eventId }, 'worker: could not schedule a retry; delivered again after the ack wait');
    }
  }

  const delivered = (message: DurableMessage): Delivered<T> => ({
    event: message.event as WorkerEvent<T>,
    deliveries: message.deliveries,
  });

  /** One event through a per-event handler, then acknowledged or scheduled for a retry. */
  async function handleOne(message: DurableMessage): Promise<void> {
    if (!('handle' in definition) || killed) return;
    const end = metrics.handlerSeconds.startTimer();
    try {
      await definition.handle(delivered(message), log);
      end();
      await succeed(message);
    } catch (error) {
      end();
      await failed(message, error);
    }
  }

  async function handleBatch(messages: DurableMessage[]): Promise<void> {
    if (!('handleBatch' in definition)) return;
    const end = metrics.handlerSeconds.startTimer();
    let failures: ReadonlyMap<string, unknown> = new Map();
    let thrown: { error: unknown } | undefined;
    try {
      const outcome = await definition.handleBatch(messages.map(delivered), log);
      if (outcome) failures = outcome.failed;
    } catch (error) {
      thrown = { error };
    }
    end();
    await Promise.all(
      messages.map((message) => {
        if (thrown) return failed(message, thrown.error);
        const id = message.event.id;
        return failures.has(id) ? failed(message, failures.get(id)) : succeed(message);
      }),
    );
  }

  /** How far behind the batch's oldest event is: commit to now. */
  function measureLag(batch: DurableMessage[]): void {
    const oldest = Math.min(...batch.map((m) => Date.parse(m.event.occurredAt)).filter(Number.isFinite));
    if (!Number.isFinite(oldest)) return;
    lag.seconds = Math.max(0, (Date.now() - oldest) / 1000);
    metrics.lagSeconds.set(lag.seconds);
  }

  /** The fetched events the worker handles; the others are acknowledged unread. */
  async function sortFetched(batch: DurableMessage[]): Promise<DurableMessage[]> {
    measureLag(batch);
    const wanted: DurableMessage[] = [];
    for (const message of batch) {
      if (message.deliveries > 1) metrics.redelivered.inc();
      if (handled.has(message.event.type)) wanted.push(message);
      else await succeed(message, metrics.skipped);
    }
    return wanted;
  }

  /** Long handling must not let events in hand expire and go to another process meanwhile. */
  function keepAlive(inHand: () => Iterable<DurableMessage>): () => void {
    const timer = setInterval(
      () => {
        if (!killed) for (const message of inHand()) message.working();
      },
      Math.max(250, settings.ackWaitMs / 3),
    );
    return () => clearInterval(timer);
  }

  async function handleFetched(batch: DurableMessage[]): Promise<void> {
    const wanted = await sortFetched(batch);
    if (wanted.length === 0) return;
    const release = keepAlive(() => wanted);
    try {
      await handleBatch(wanted);
    } finally {
      release();
    }
  }

  /**
   * Per-event handlers run in a sliding window of `concurrency` events: a slot freed by one event is
   * filled from the durable at once, so one slow event (a remote server taking seconds) holds only its
   * own slot, never a whole batch.
   */
  async function runEach(from: DurableConsumer): Promise<void> {
    const inFlight = new Map<DurableMessage, Promise<void>>();
    const release = keepAlive(() => inFlight.keys());
    let statusAt = 0;
    try {
      while (!stopping) {
        const room = settings.concurrency - inFlight.size;
        if (room <= 0) {
          await Promise.race(inFlight.values());
          continue;
        }
        try {
          const batch = await collect(from, Math.min(settings.batchSize, room));
          if (killed) return;
          for (const message of await sortFetched(batch)) {
            const handling = handleOne(message).finally(() => inFlight.delete(message));
            inFlight.set(message, handling);
          }
        } catch (err) {
          log.error({ err }, 'worker: fetch failed; continuing');
          await sleep(IDLE_FETCH_MS);
        }
        if (Date.now() - statusAt >= STATUS_REFRESH_MS) {
          statusAt = Date.now();
          await refreshStatus(from);
        }
      }
      // The drain: what is in hand finishes and is acknowledged.
      await Promise.all(inFlight.values());
    } finally {
      release();
    }
  }

  async function refreshStatus(from: DurableConsumer): Promise<void> {
    try {
      const { lag: behind, missed } = await from.status();
      metrics.lag.set(behind);
      lag.events = behind;
      if (behind === 0) {
        lag.seconds = 0;
        metrics.lagSeconds.set(0);
      }
      if (missed > reportedMissed) metrics.missed.inc(missed - reportedMissed);
      reportedMissed = missed;
    } catch (err) {
      log.debug({ err }, 'worker: could not read its lag');
    }
  }

  async function run(): Promise<void> {
    consumer = await bind();
    if (!consumer) return;
    if ('handle' in definition) return runEach(consumer);
    let statusAt = 0;
    while (!stopping) {
      try {
        const batch = await collect(consumer);
        if (killed) return;
        if (batch.length > 0) await handleFetched(batch);
      } catch (err) {
        log.error({ err }, 'worker: batch failed; continuing');
        await sleep(IDLE_FETCH_MS);
      }
      if (Date.now() - statusAt >= STATUS_REFRESH_MS) {
        statusAt = Date.now();
        await refreshStatus(consumer);
      }
    }
  }

  const done = run().catch((err: unknown) => log.error({ err }, 'worker: stopped by an error'));

  function halt(): void {
    stopping = true;
    wakeSleep();
    // A waiting fetch returns at once; events held but not handed out go back to the durable.
    void consumer?.close();
  }
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      halt();
      await done;
      await consumer?.close();
      log.info('worker: drained');
    })();
    return stopped;
  };

  lifecycle.addReadinessCheck(`worker ${name}`, async () => {
    if (stopping) throw new Error('worker is stopping');
    if (!consumer) throw new Error('durable consumer not bound yet');
    await bus.ping();
  });
  lifecycle.addReadinessDetail(`worker ${name}`, () => ({ lagEvents: lag.events, lagSeconds: lag.seconds }));
  lifecycle.onDrain(halt);
  lifecycle.defer(`worker ${name}`, stop);

  return {
    name,
    get bound() {
      return consumer !== undefined && !stopping;
    },
    stop,
    async kill() {
      killed = true;
      halt();
      await consumer?.close();
    },
  };
}
