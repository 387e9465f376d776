import type { Logger } from '@gochat/log';

import { createDeliveryPolicy, createFetch, type RawDelivery, type ResolvedDurableSpec } from './durable.ts';
import { decodeEvent } from './event-codec.ts';
import type { LogEntry, MemoryLog } from './memory-log.ts';
import type { BusEvent, DurableConsumer, DurableStatus } from './port.ts';
import { subjectMatches } from './subject.ts';

interface Pending {
  entry: LogEntry;
  deliveries: number;
  /** When it may be delivered again: the ack wait's end, or a nak's delay. */
  availableAt: number;
}

/**
 * One durable over the memory log: a cursor (the last seq handed out for the first time), the
 * delivered-but-unacknowledged events with their delivery counts, and the count of matching events
 * not handed out yet. Every handle of the durable shares this state, so handles split the work.
 * In-process only: it is gone with the process (decision 0034).
 */
export class MemoryDurable {
  private cursor: number;
  private undelivered = 0;
  private missed = 0;
  private reportedMissed = 0;
  private closed = false;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters = new Set<() => void>();

  constructor(
    public spec: ResolvedDurableSpec,
    private readonly log: MemoryLog,
  ) {
    if (spec.startAt === 'new') this.cursor = log.lastSeq;
    else {
      this.cursor = 0;
      log.scan(0, (entry) => {
        if (this.matches(entry.subject)) this.undelivered++;
        return true;
      });
    }
  }

  matches(subject: string): boolean {
    return this.spec.patterns.some((pattern) => subjectMatches(pattern, subject));
  }

  onAppend(entry: LogEntry): void {
    if (!this.matches(entry.subject)) return;
    this.undelivered++;
    this.wakeAll();
  }

  /** The log dropped an entry: if this durable had not received it yet, it never will. */
  onEvict(entry: LogEntry): void {
    if (entry.seq <= this.cursor || !this.matches(entry.subject)) return;
    this.undelivered--;
    this.missed++;
  }

  status(): DurableStatus {
    return { lag: this.undelivered + this.pending.size, missed: this.missed };
  }

  /** Missed events not reported yet (each is reported once, by whichever handle fetches next). */
  takeMissed(): number {
    const count = this.missed - this.reportedMissed;
    this.reportedMissed = this.missed;
    return count;
  }

  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Due redeliveries first (in seq order), then events never delivered, up to max. */
  take(max: number): RawDelivery[] {
    const now = Date.now();
    const out: RawDelivery[] = [];
    const due = [...this.pending.values()]
      .filter((p) => p.availableAt <= now)
      .sort((a, b) => a.entry.seq - b.entry.seq);
    for (const p of due.slice(0, max)) out.push(this.deliver(p, now));
    if (out.length >= max) return out;
    let stoppedEarly = false;
    this.log.scan(this.cursor, (entry) => {
      this.cursor = entry.seq;
      if (!this.matches(entry.subject)) return true;
      this.undelivered--;
      const p: Pending = { entry, deliveries: 0, availableAt: 0 };
      this.pending.set(entry.seq, p);
      out.push(this.deliver(p, now));
      stoppedEarly = out.length >= max;
      return !stoppedEarly;
    });
    if (!stoppedEarly) this.cursor = this.log.lastSeq;
    return out;
  }

  /** Resolves when something may have become available, or after ms. */
  wait(ms: number): Promise<void> {
    const due = Math.min(...[...this.pending.values()].map((p) => p.availableAt));
    const delay = Math.max(0, Math.min(ms, due - Date.now()));
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, delay);
      this.waiters.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private deliver(p: Pending, now: number): RawDelivery {
    p.deliveries++;
    p.availableAt = now + this.spec.ackWaitMs;
    const delivery = p.deliveries;
    const { seq } = p.entry;
    // A stale delivery (redelivered since) may still acknowledge, as on JetStream, but not reschedule.
    const current = () => this.pending.get(seq) === p && p.deliveries === delivery;
    return {
      event: decodeEvent(p.entry.json),
      subject: p.entry.subject,
      seq,
      deliveries: delivery,
      raw: () => p.entry.json,
      ack: () => {
        this.pending.delete(seq);
        return Promise.resolve();
      },
      nak: (delayMs) => {
        if (!current()) return;
        p.availableAt = Date.now() + delayMs;
        this.wakeAll();
      },
      working: () => {
        if (current()) p.availableAt = Date.now() + this.spec.ackWaitMs;
      },
    };
  }
}

/** A handle on a memory durable: what one worker process holds. */
export function openMemoryDurable(
  durable: MemoryDurable,
  publish: (event: BusEvent) => Promise<unknown>,
  logger: Logger,
): DurableConsumer {
  const { spec } = durable;
  const policy = createDeliveryPolicy(spec, publish);
  let closed = false;
  const log = logger.child({ durable: spec.name });
  return {
    name: spec.name,
    fetch: createFetch(
      {
        isClosed: () => closed || durable.isClosed,
        take: (max) => {
          const missed = durable.takeMissed();
          if (missed > 0)
            log.error(
              { missed },
              'durable consumer: the memory log dropped events before they were delivered',
            );
          return durable.take(max);
        },
        wait: (ms) => durable.wait(ms),
      },
      policy,
      log,
    ),
    status: () => Promise.resolve(durable.status()),
    close() {
      closed = true;
      // Wakes this handle's waiting fetch; the others go back to waiting.
      durable.wakeAll();
      return Promise.resolve();
    },
  };
}
