import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';

import { decodeEvent } from './event-codec.ts';
import { ReplayGapError, type BusEvent } from './port.ts';

/** Ordered consumers a replay opens at once. */
export const REPLAY_CONCURRENCY = 16;

export interface ReplayReader {
  /** Matching messages after the start seq when the consumer was created. */
  pending: number;
  /** Reads every matching message up to `end` (the stream's last seq when the replay began). */
  read(end: number): Promise<BusEvent[]>;
  close(): Promise<void>;
}

/**
 * An ordered consumer on one filter subject from afterSeq + 1: client-managed, recreated at the next
 * sequence after any gap, deleted when the replay ends.
 */
export async function openReplay(
  js: JetStreamClient,
  stream: string,
  filter: string,
  afterSeq: number,
): Promise<ReplayReader> {
  const consumer = await js.consumers.get(stream, {
    filter_subjects: filter,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: afterSeq + 1,
  });
  const pending = (await consumer.info(true)).num_pending;
  return {
    pending,
    async read(end) {
      const events: BusEvent[] = [];
      if (pending === 0) return events;
      const messages = await consumer.consume({ max_messages: 512 });
      for await (const msg of messages) {
        if (msg.seq > end) break;
        const event = decodeEvent(msg.string());
        if (event) {
          event.seq = msg.seq;
          events.push(event);
        }
        // Later events reach the caller live; stop at the end seen when replay started.
        if (msg.info.pending === 0 || msg.seq >= end) break;
      }
      return events;
    },
    close: () =>
      consumer.delete().then(
        () => undefined,
        () => undefined,
      ),
  };
}

/**
 * The stream keeps at most maxPerSubject messages per subject. When a replay finds a subject's whole
 * allowance after the cursor, older ones of that subject may have been dropped after the cursor too:
 * the reader missed at least that many events there and must resynchronize.
 */
export function assertNoSubjectOverflow(events: BusEvent[], maxPerSubject: number, afterSeq: number): void {
  const counts = new Map<string, number>();
  for (const event of events) {
    const count = (counts.get(event.subject) ?? 0) + 1;
    if (count >= maxPerSubject)
      throw new ReplayGapError(
        `${event.subject} holds ${maxPerSubject} events after ${afterSeq}: older ones may be gone`,
      );
    counts.set(event.subject, count);
  }
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
