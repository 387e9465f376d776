import { randomUUID } from 'node:crypto';

import { DEAD_LETTER_TYPE, type BusEvent, type EventBus } from '@gochat/bus';
import { DEAD_LETTER_PATTERN, subjects } from '@gochat/events';
import { Lifecycle } from '@gochat/lifecycle';
import { createMetricsRegistry, silentLogger, type Registry } from '@gochat/log';
import { Recorder } from '@gochat/testkit';
import { afterEach, describe, expect, it } from 'vitest';

import { startWorker, workerSection, type WorkerRuntime, type WorkerSettings } from '../harness/index.ts';
import { createEventCounter, type EventCounter, type EventCounterOptions } from './worker.ts';

export interface WorkerSuiteBuses {
  open: () => Promise<EventBus>;
  /** Another process on the same log (the same bus for the memory bus, whose durables are in-process). */
  peer: (bus: EventBus) => Promise<EventBus>;
}

const ACK_WAIT_MS = 1_000;

export function messageEvent(type: 'MessageCreated' | 'MessageDeleted' | 'ReactionAdded'): BusEvent {
  const messageId = randomUUID();
  return {
    id: randomUUID(),
    type,
    subject: subjects.channelMessages('3', '7'),
    occurredAt: new Date().toISOString(),
    data: { messageId, channelId: '7', parentChannelId: '7', guildId: '3' },
  };
}

/** The summed value of a counter or gauge's series with these labels. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

const total = (counter: EventCounter) => Object.values(counter.counts()).reduce((a, b) => a + b, 0);

/** Polls until check passes (the worker runs on its own schedule). */
async function eventually(check: () => boolean | Promise<boolean>, what: string, withinMs = 8_000) {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The worker harness end to end with the event-counter worker, on one bus kind: counting, retries and
 * dead letters, readiness, a process killed mid-batch, and the drain on SIGTERM.
 */
export function describeEventCounterSuite(name: string, buses: WorkerSuiteBuses): void {
  describe(`event-counter worker: ${name}`, () => {
    const cleanups: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    const bus = async (from?: EventBus) => {
      const b = from ? await buses.peer(from) : await buses.open();
      if (b !== from) cleanups.push(() => b.drain());
      return b;
    };

    /** A worker process: its own lifecycle (drained after the test unless the test does it), registry and counter. */
    const workerProcess = (
      b: EventBus,
      settings: Partial<WorkerSettings> = {},
      inspect?: EventCounterOptions['inspect'],
    ) => {
      const lifecycle = new Lifecycle(silentLogger, 10_000);
      const metrics = createMetricsRegistry({ defaultMetrics: false });
      const counter = createEventCounter({ metrics, ...(inspect ? { inspect } : {}) });
      const runtime: WorkerRuntime = startWorker(counter.definition, {
        bus: b,
        log: silentLogger,
        metrics,
        lifecycle,
        settings: { ...workerSection.parse({}), ackWaitMs: ACK_WAIT_MS, retryBaseMs: 50, ...settings },
      });
      cleanups.push(() => lifecycle.shutdown('test over'));
      return { lifecycle, metrics, counter, runtime };
    };
    const bound = (runtime: WorkerRuntime) => eventually(() => runtime.bound, 'the worker to bind');

    it('counts each message event once, skips other types on its subjects, and reports no lag after', async () => {
      const b = await bus();
      const { counter, metrics, runtime, lifecycle } = workerProcess(b);
      await bound(runtime);
      expect(await lifecycle.readiness()).toMatchObject({ ready: true });
      for (const type of ['MessageCreated', 'MessageCreated', 'ReactionAdded', 'MessageDeleted'] as const)
        await b.publish(messageEvent(type));
      await b.publish({ ...messageEvent('MessageCreated'), subject: subjects.guild('3') }); // not its subject
      await eventually(() => total(counter) === 3, '3 counted events');
      expect(counter.counts()).toMatchObject({ MessageCreated: 2, MessageDeleted: 1 });
      const worker = { worker: 'event-counter' };
      await eventually(
        async () => (await metricValue(metrics, 'gochat_worker_events_skipped_total', worker)) === 1,
        'the skipped event',
      );
      // Acknowledged (and counted as processed) just after the handler returns.
      await eventually(
        async () => (await metricValue(metrics, 'gochat_worker_events_processed_total', worker)) === 3,
        '3 processed events',
      );
      expect(await metricValue(metrics, 'gochat_message_events_total', { type: 'MessageCreated' })).toBe(2);
      await eventually(
        async () => (await metricValue(metrics, 'gochat_worker_lag_events', worker)) === 0,
        'lag 0',
      );
      expect(await metricValue(metrics, 'gochat_worker_events_redelivered_total', worker)).toBe(0);
    });

    it('retries a failing event with backoff, then dead-letters it with its error and goes on', async () => {
      const b = await bus();
      const letters = new Recorder(10_000);
      b.subscribe(DEAD_LETTER_PATTERN, letters.handler);
      await b.ping();
      const poison = messageEvent('MessageCreated');
      const attempts: number[] = [];
      const { counter, metrics, runtime } = workerProcess(
        b,
        { maxDeliveries: 3 },
        async ({ event, deliveries }) => {
          if (event.id !== poison.id) return;
          attempts.push(deliveries);
          await Promise.resolve();
          throw new Error(`cannot count attempt ${deliveries}`);
        },
      );
      await bound(runtime);
      await b.publish(poison);
      const fine = messageEvent('MessageCreated');
      await b.publish(fine);
      await letters.untilCount(1);
      expect(attempts).toEqual([1, 2, 3]);
      expect(letters.events[0]).toMatchObject({
        type: DEAD_LETTER_TYPE,
        subject: 'deadletter.event-counter',
        data: {
          consumer: 'event-counter',
          subject: poison.subject,
          attempts: 3,
          error: 'cannot count attempt 3',
          event: { id: poison.id },
        },
      });
      await eventually(() => total(counter) === 1, 'the other event counted');
      const worker = { worker: 'event-counter' };
      expect(await metricValue(metrics, 'gochat_worker_events_failed_total', worker)).toBe(3);
      // Counted once the acknowledgement that follows the dead letter is confirmed.
      await eventually(
        async () => (await metricValue(metrics, 'gochat_worker_events_dead_lettered_total', worker)) === 1,
        'the dead letter counted',
      );
      expect(await metricValue(metrics, 'gochat_worker_events_redelivered_total', worker)).toBe(2);
    });

    it('is not ready until bound, nor once draining', async () => {
      const down = await buses.open();
      await down.drain(); // refuses everything, as a bus that is not there
      const waiting = workerProcess(down);
      await new Promise((r) => setTimeout(r, 100));
      const report = await waiting.lifecycle.readiness();
      expect(report.ready).toBe(false);
      expect(report.checks['worker event-counter']).toMatch(/not bound/);
      const { runtime, lifecycle } = workerProcess(await bus());
      await bound(runtime);
      expect(await lifecycle.readiness()).toEqual({
        ready: true,
        checks: { 'worker event-counter': 'ok' },
        // How far behind it is rides along, without deciding readiness.
        details: { 'worker event-counter': { lagEvents: 0, lagSeconds: 0 } },
      });
      const stopping = lifecycle.shutdown('SIGTERM');
      expect((await lifecycle.readiness()).ready).toBe(false);
      await expect(stopping).resolves.toBe(true);
    });

    it('a process killed mid-batch loses nothing: the next one counts every event, the held one as a redelivery', async () => {
      const b = await bus();
      let held = 0;
      let release = () => undefined as void;
      const blocked = new Promise<void>((resolve) => (release = resolve));
      const first = workerProcess(b, { batchSize: 10 }, async () => {
        held++;
        await blocked;
      });
      // Before the first process's own cleanup (cleanups run in reverse), whose drain waits for it.
      cleanups.push(() => Promise.resolve(release()));
      await bound(first.runtime);
      const events = Array.from({ length: 5 }, () => messageEvent('MessageCreated'));
      for (const event of events) await b.publish(event);
      await eventually(() => held === 1, 'the first event in the handler');
      await first.runtime.kill();

      const deliveries = new Map<string, number>();
      const second = workerProcess(await bus(b), { batchSize: 10 }, async ({ event, deliveries: n }) => {
        deliveries.set(event.id, n);
        await Promise.resolve();
      });
      await eventually(() => total(second.counter) === 5, 'all 5 counted by the next process');
      expect([...deliveries.keys()].sort()).toEqual(events.map((e) => e.id).sort());
      expect(Math.max(...deliveries.values())).toBeGreaterThanOrEqual(2);
      expect(total(first.counter)).toBe(0);
      expect(
        await metricValue(second.metrics, 'gochat_worker_events_redelivered_total', {
          worker: 'event-counter',
        }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('on SIGTERM it stops fetching, finishes and acknowledges the events in hand, then stops', async () => {
      const b = await bus();
      let started = 0;
      // Three at once: all three are in hand when the drain starts.
      const first = workerProcess(b, { lingerMs: 300, concurrency: 3 }, async () => {
        started++;
        await new Promise((r) => setTimeout(r, 150));
      });
      await bound(first.runtime);
      for (let i = 0; i < 3; i++) await b.publish(messageEvent('MessageCreated'));
      await eventually(() => started === 3, 'the events in the handler');
      await expect(first.lifecycle.shutdown('SIGTERM')).resolves.toBe(true);
      expect(total(first.counter)).toBe(3);
      expect(first.runtime.bound).toBe(false);
      // Nothing was left unacknowledged: the next process gets nothing, even after the ack wait.
      const next = workerProcess(await bus(b));
      await bound(next.runtime);
      await new Promise((r) => setTimeout(r, ACK_WAIT_MS + 500));
      expect(total(next.counter)).toBe(0);
    });

    it('a slow event holds only its own slot: events published after it are handled meanwhile', async () => {
      const b = await bus();
      let release!: () => void;
      const slowDone = new Promise<void>((resolve) => (release = resolve));
      const slow = messageEvent('MessageCreated');
      let slowStarted = false;
      const worker = workerProcess(b, { concurrency: 2 }, async (delivered) => {
        if (delivered.event.id !== slow.id) return;
        slowStarted = true;
        await slowDone;
      });
      await bound(worker.runtime);
      await b.publish(slow);
      await eventually(() => slowStarted, 'the slow event in the handler');
      for (let i = 0; i < 5; i++) await b.publish(messageEvent('MessageCreated'));
      await eventually(() => total(worker.counter) === 5, 'the later events, while the slow one is in hand');
      release();
      await eventually(() => total(worker.counter) === 6, 'the slow event');
      await expect(worker.lifecycle.shutdown('test over')).resolves.toBe(true);
    });

    it('on SIGTERM, events not yet handed to the handler are not lost: the next process handles each once', async () => {
      const b = await bus();
      let started = 0;
      const first = workerProcess(b, { concurrency: 1 }, async () => {
        started++;
        await new Promise((r) => setTimeout(r, 150));
      });
      await bound(first.runtime);
      for (let i = 0; i < 3; i++) await b.publish(messageEvent('MessageCreated'));
      await eventually(() => started === 1, 'the first event in the handler');
      await expect(first.lifecycle.shutdown('SIGTERM')).resolves.toBe(true);
      const handledFirst = total(first.counter);
      expect(handledFirst).toBeGreaterThanOrEqual(1);
      const next = workerProcess(await bus(b));
      await bound(next.runtime);
      // Each event counted once across the two processes: none lost, none handled twice.
      await eventually(
        () => handledFirst + total(next.counter) === 3,
        'the other events at the next process',
      );
      await new Promise((r) => setTimeout(r, ACK_WAIT_MS + 500));
      expect(handledFirst + total(next.counter)).toBe(3);
    });
  });
}
