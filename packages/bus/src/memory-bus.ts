import type { Logger } from '@gochat/log';
import { assertEvent, decodeEvent, encodeEvent } from './event-codec.ts';
import { resolveDurableSpec } from './durable.ts';
import { MemoryDurable, openMemoryDurable } from './memory-durable.ts';
import { MemoryLog } from './memory-log.ts';
import { randomUUID } from 'node:crypto';
import {
  ReplayGapError,
  assertReplayCount,
  patternList,
  replayRange,
  type BusEvent,
  type BusHandler,
  type BusSubscription,
  type EventBus,
  type PublishResult,
} from './port.ts';
import { createRecentIds, DEFAULT_DUPLICATE_WINDOW_MS } from './recent-ids.ts';
import { assertPattern, subjectMatches } from './subject.ts';

export interface MemoryBusOptions {
  log: Logger;
  /** Same meaning as the JetStream stream's duplicate_window. Default 120000 (2 minutes). */
  duplicateWindowMs?: number;
  /** Stored events kept for replay, all subjects together: bounds the log's memory. Default 200000. */
  retention?: number;
  /** Stored events kept per subject, as the stream's max_msgs_per_subject. Default 10000. */
  maxPerSubject?: number;
}

const DEFAULT_RETENTION = 200_000;
const DEFAULT_PER_SUBJECT = 10_000;

/** Caps dedup memory under a publish storm; past this, the oldest ids in the window are forgotten. */
const MAX_REMEMBERED_IDS = 100_000;

interface MemorySubscription {
  pattern: string;
  handler: BusHandler;
  active: boolean;
}

interface Pending {
  json: string;
  targets: MemorySubscription[];
}

/** In-process bus for embedded mode: same observable behaviour as the NATS bus, minus durability. */
export function createMemoryBus(options: MemoryBusOptions): EventBus {
  const logger = options.log.child({ component: 'bus', bus: 'memory' });
  const recent = createRecentIds({
    windowMs: options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
    maxSize: MAX_REMEMBERED_IDS,
  });
  const subscriptions = new Set<MemorySubscription>();
  const epoch = `m${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  // Durables by name and patterns: the same name with other patterns is another durable, as on NATS.
  const durables = new Map<string, MemoryDurable>();
  const log = new MemoryLog(
    Math.max(1, options.retention ?? DEFAULT_RETENTION),
    Math.max(1, options.maxPerSubject ?? DEFAULT_PER_SUBJECT),
    (entry) => {
      for (const durable of durables.values()) durable.onEvict(entry);
    },
  );
  // One FIFO for all deliveries keeps publish order for every subscriber, including events that
  // handlers publish while a flush is running (they are appended and delivered in the same pass).
  const queue: Pending[] = [];
  let flushScheduled = false;
  let draining = false;
  let drained: Promise<void> | undefined;

  function deliver(sub: MemorySubscription, json: string): void {
    // A fresh copy per handler, as over NATS: one handler cannot mutate what another one sees.
    const event = decodeEvent(json);
    if (!event) return;
    try {
      sub.handler(event);
    } catch (err) {
      logger.error(
        { err, eventId: event.id, subject: event.subject, pattern: sub.pattern },
        'bus handler threw',
      );
    }
  }

  function flush(): void {
    for (let i = 0; i < queue.length; i++) {
      const { json, targets } = queue[i]!;
      for (const sub of targets) if (sub.active) deliver(sub, json);
    }
    queue.length = 0;
    flushScheduled = false;
  }

  function closedError(action: string): Error {
    return new Error(`Cannot ${action}: the memory bus has been drained`);
  }

  function dispatch(subject: string, json: string): void {
    // Matching at publish time mirrors NATS: a subscription made later does not see this event.
    const targets = [...subscriptions].filter((sub) => subjectMatches(sub.pattern, subject));
    if (targets.length === 0) return;
    queue.push({ json, targets });
    if (!flushScheduled) {
      flushScheduled = true;
      queueMicrotask(flush);
    }
  }

  function attempt<T>(action: string, run: () => T): Promise<T> {
    if (draining) return Promise.reject(closedError(action));
    try {
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  const bus: EventBus = {
    kind: 'memory',

    publish: (event: BusEvent): Promise<PublishResult> =>
      attempt(`publish event ${String(event.id)}`, () => {
        assertEvent(event);
        if (recent.seen(event.id)) return { duplicate: true };
        const { seq: _unset, ...stored } = event;
        const entry = log.append(event.subject, (seq) => encodeEvent({ ...stored, seq }));
        for (const durable of durables.values()) durable.onAppend(entry);
        dispatch(event.subject, entry.json);
        return { duplicate: false };
      }),

    publishEphemeral: (event: BusEvent): Promise<void> =>
      attempt(`publish event ${String(event.id)}`, () => {
        assertEvent(event);
        const { seq: _unset, ...live } = event;
        dispatch(event.subject, encodeEvent(live));
      }),

    epoch: () => Promise.resolve(epoch),

    async replay(patterns, afterSeq, handler, replayOptions = {}): Promise<void> {
      const list = patternList(patterns);
      list.forEach(assertPattern);
      const end = log.lastSeq;
      if (!replayRange(afterSeq, { firstSeq: 1, lastSeq: end })) return;
      const matches = (subject: string) => list.some((p) => subjectMatches(p, subject));
      const lost = log.evictedAfter(afterSeq, matches);
      if (lost > 0)
        throw new ReplayGapError(`events after ${afterSeq} are no longer retained (seq ${lost} was dropped)`);
      // Copied first: the log may move while handlers run.
      const entries = log.since(afterSeq, end).filter((entry) => matches(entry.subject));
      assertReplayCount(entries.length, replayOptions.maxEvents);
      for (const entry of entries) {
        const event = decodeEvent(entry.json);
        if (event) handler(event);
      }
      await Promise.resolve();
    },

    position: () => Promise.resolve(log.lastSeq),

    subscribe(pattern: string, handler: BusHandler): BusSubscription {
      if (draining) throw closedError(`subscribe to ${pattern}`);
      assertPattern(pattern);
      const sub: MemorySubscription = { pattern, handler, active: true };
      subscriptions.add(sub);
      return {
        unsubscribe() {
          sub.active = false;
          subscriptions.delete(sub);
        },
      };
    },

    durable: (spec) =>
      attempt(`open durable ${spec.name}`, () => {
        const resolved = resolveDurableSpec(spec);
        const key = `${resolved.name} ${resolved.patterns.join(' ')}`;
        let durable = durables.get(key);
        if (durable)
          durable.spec = resolved; // the latest settings win, as a JetStream consumer update
        else durables.set(key, (durable = new MemoryDurable(resolved, log)));
        return openMemoryDurable(durable, (event) => bus.publish(event), logger);
      }),

    ping(): Promise<void> {
      return draining ? Promise.reject(closedError('ping')) : Promise.resolve();
    },

    drain(): Promise<void> {
      drained ??= (async () => {
        draining = true;
        // The pending flush was queued before this microtask, so awaiting one more microtask lets it
        // finish; nothing new can be queued because publish now rejects.
        if (flushScheduled) await new Promise<void>((resolve) => queueMicrotask(resolve));
        for (const sub of subscriptions) sub.active = false;
        subscriptions.clear();
        for (const durable of durables.values()) durable.close();
      })();
      return drained;
    },
  };
  return bus;
}
