import { Recorder } from '@gochat/testkit';
import { afterEach, describe, expect, it } from 'vitest';

import { makeEvent } from './bus.contract.ts';
import { DEAD_LETTER_TYPE } from './durable.ts';
import type { BusEvent, DurableConsumer, DurableMessage, DurableSpec, EventBus } from './port.ts';

/** Short, so redelivery tests stay quick; JetStream takes ack waits of a second without complaint. */
const ACK_WAIT_MS = 1_000;

export interface DurableContractBuses {
  /** A fresh, isolated bus. */
  open: () => Promise<EventBus>;
  /**
   * Another process on the same log: a new NATS connection to the same stream; for the memory bus,
   * whose durables live in the process, the same bus.
   */
  peer: (bus: EventBus) => Promise<EventBus>;
}

/** Fetches until n messages came (or the time is up), without acknowledging them. */
export async function fetchN(
  consumer: DurableConsumer,
  n: number,
  withinMs = 5_000,
): Promise<DurableMessage[]> {
  const got: DurableMessage[] = [];
  const deadline = Date.now() + withinMs;
  while (got.length < n && Date.now() < deadline)
    got.push(...(await consumer.fetch(n - got.length, Math.max(1, deadline - Date.now()))));
  return got;
}

/** Fetches until n distinct events were handled, acknowledging each batch as it comes. */
async function handleN(consumer: DurableConsumer, n: number, withinMs: number): Promise<DurableMessage[]> {
  const got = new Map<string, DurableMessage>();
  const deadline = Date.now() + withinMs;
  while (got.size < n && Date.now() < deadline) {
    const batch = await consumer.fetch(n, Math.max(1, deadline - Date.now()));
    await Promise.all(batch.map((m) => m.ack()));
    for (const m of batch) if (!got.has(m.event.id)) got.set(m.event.id, m);
  }
  return [...got.values()];
}

const ids = (messages: readonly DurableMessage[]) => messages.map((m) => m.event.id);

/**
 * What every bus's durable consumers do (decision 0034): at-least-once with acknowledgements,
 * redelivery after the ack wait or a nak's delay with the count visible, work shared by handles of one
 * durable, dead letters after the last delivery, lag, and resumption.
 */
export function describeDurableContract(name: string, buses: DurableContractBuses): void {
  describe(`EventBus durable contract: ${name}`, () => {
    const open: EventBus[] = [];
    const consumers: DurableConsumer[] = [];
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.close()));
      await Promise.all(open.splice(0).map((b) => b.drain()));
    });
    const bus = async () => {
      const b = await buses.open();
      open.push(b);
      return b;
    };
    const peer = async (b: EventBus) => {
      const p = await buses.peer(b);
      if (p !== b) open.push(p);
      return p;
    };
    const durable = async (b: EventBus, spec: Partial<DurableSpec> = {}) => {
      const consumer = await b.durable({
        name: 'work',
        patterns: ['job.*'],
        deadLetterSubject: 'deadletter.work',
        ackWaitMs: ACK_WAIT_MS,
        ...spec,
      });
      consumers.push(consumer);
      return consumer;
    };
    const publishAll = async (b: EventBus, subject: string, n: number) => {
      const events: BusEvent[] = [];
      for (let i = 0; i < n; i++) {
        const event = makeEvent(subject, { i });
        events.push(event);
        await b.publish(event);
      }
      return events;
    };

    it('delivers each matching event once with its seq, and an acknowledged event never again', async () => {
      const b = await bus();
      const c = await durable(b);
      const events = await publishAll(b, 'job.a', 3);
      await b.publish(makeEvent('other.a'));
      const got = await fetchN(c, 3);
      expect(ids(got).sort()).toEqual(events.map((e) => e.id).sort());
      expect(got.every((m) => m.deliveries === 1 && (m.event.seq ?? 0) > 0)).toBe(true);
      expect(got.find((m) => m.event.id === events[1]!.id)!.event.data).toEqual({ i: 1 });
      await Promise.all(got.map((m) => m.ack()));
      expect(await c.fetch(10, ACK_WAIT_MS + 500)).toEqual([]);
    });

    it('delivers an unacknowledged event again after the ack wait, counting the delivery', async () => {
      const b = await bus();
      const c = await durable(b);
      const [event] = await publishAll(b, 'job.b', 1);
      const [first] = await fetchN(c, 1);
      expect(first!.event.id).toBe(event!.id);
      expect(await c.fetch(10, ACK_WAIT_MS / 4)).toEqual([]);
      const [again] = await fetchN(c, 1, ACK_WAIT_MS * 4);
      expect(again!.event.id).toBe(event!.id);
      expect(again!.deliveries).toBe(2);
      await again!.ack();
    });

    it('a failed event comes back after the delay given, not before', async () => {
      const b = await bus();
      const c = await durable(b);
      const [event] = await publishAll(b, 'job.c', 1);
      const [first] = await fetchN(c, 1);
      const failedAt = Date.now();
      await expect(first!.fail(new Error('not now'), 1_500)).resolves.toBe('retry');
      expect(await c.fetch(10, 500)).toEqual([]);
      const [again] = await fetchN(c, 1, 5_000);
      expect(Date.now() - failedAt).toBeGreaterThanOrEqual(1_400);
      expect(again!.event.id).toBe(event!.id);
      expect(again!.deliveries).toBe(2);
      await again!.ack();
    });

    it('a consumer stopped mid-batch loses nothing: another gets the unacknowledged events, counted as redelivered', async () => {
      const b = await bus();
      const first = await durable(b, { prefetch: 10 });
      const events = await publishAll(b, 'job.d', 10);
      const batch = await fetchN(first, 6);
      expect(batch).toHaveLength(6);
      const acked = batch.slice(0, 2);
      await Promise.all(acked.map((m) => m.ack()));
      await first.close(); // as a crash: the other four of the batch are never acknowledged
      const second = await durable(await peer(b), { prefetch: 10 });
      const rest = await handleN(second, 8, ACK_WAIT_MS * 5);
      expect([...ids(acked), ...ids(rest)].sort()).toEqual(events.map((e) => e.id).sort());
      const abandoned = new Set(ids(batch.slice(2)));
      for (const m of rest) if (abandoned.has(m.event.id)) expect(m.deliveries).toBeGreaterThanOrEqual(2);
      expect(await second.fetch(10, ACK_WAIT_MS + 500)).toEqual([]);
    });

    it('two handles of one durable split the work, no event handled by both', async () => {
      const b = await bus();
      const one = await durable(b, { prefetch: 5 });
      const two = await durable(await peer(b), { prefetch: 5 });
      const events = await publishAll(b, 'job.e', 40);
      const seen = new Map<DurableConsumer, DurableMessage[]>([
        [one, []],
        [two, []],
      ]);
      let total = 0;
      const work = async (c: DurableConsumer) => {
        const deadline = Date.now() + 10_000;
        while (total < events.length && Date.now() < deadline) {
          const got = await c.fetch(5, 200);
          seen.get(c)!.push(...got);
          total += got.length;
          // A little work per batch, so neither handle drains the durable alone.
          await new Promise((r) => setTimeout(r, 20));
          await Promise.all(got.map((m) => m.ack()));
        }
      };
      await Promise.all([work(one), work(two)]);
      const a = ids(seen.get(one)!);
      const z = ids(seen.get(two)!);
      expect([...a, ...z].sort()).toEqual(events.map((e) => e.id).sort());
      expect(a.filter((id) => z.includes(id))).toEqual([]);
      expect(a.length).toBeGreaterThan(0);
      expect(z.length).toBeGreaterThan(0);
      expect([...seen.values()].flat().every((m) => m.deliveries === 1)).toBe(true);
    });

    it('after the last delivery fails, the event goes to the dead-letter subject and is acknowledged', async () => {
      const b = await bus();
      const letters = new Recorder();
      b.subscribe('deadletter.*', letters.handler);
      await b.ping();
      const c = await durable(b, { maxDeliveries: 2 });
      const [event] = await publishAll(b, 'job.f', 1);
      const [first] = await fetchN(c, 1);
      await expect(first!.fail(new Error('boom 1'), 0)).resolves.toBe('retry');
      const [second] = await fetchN(c, 1);
      expect(second!.deliveries).toBe(2);
      await expect(second!.fail(new Error('boom 2'), 0)).resolves.toBe('dead-lettered');
      await letters.untilCount(1);
      expect(letters.events[0]).toMatchObject({
        type: DEAD_LETTER_TYPE,
        subject: 'deadletter.work',
        data: {
          consumer: 'work',
          subject: 'job.f',
          seq: first!.event.seq!,
          attempts: 2,
          error: 'boom 2',
          event: { id: event!.id, type: event!.type, subject: 'job.f', data: { i: 0 } },
        },
      });
      expect(await c.fetch(10, ACK_WAIT_MS + 500)).toEqual([]);
      await expect.poll(async () => (await c.status()).lag).toBe(0);
    });

    it('an event whose every delivery expired is dead-lettered without reaching a handler again', async () => {
      const b = await bus();
      const letters = new Recorder();
      b.subscribe('deadletter.*', letters.handler);
      await b.ping();
      const c = await durable(b, { maxDeliveries: 1 });
      const [event] = await publishAll(b, 'job.g', 1);
      expect(ids(await fetchN(c, 1))).toEqual([event!.id]);
      // Never acknowledged: the next delivery is past the limit.
      expect(await c.fetch(10, ACK_WAIT_MS * 3)).toEqual([]);
      await letters.untilCount(1);
      expect(letters.events[0]!.data).toMatchObject({
        attempts: 2,
        error: expect.stringMatching(/not acknowledged after 1 deliveries/) as string,
        event: { id: event!.id },
      });
    });

    it('lag counts the events not acknowledged yet, delivered or not', async () => {
      const b = await bus();
      const c = await durable(b);
      await publishAll(b, 'job.h', 5);
      await b.publish(makeEvent('other.h'));
      await expect.poll(async () => (await c.status()).lag).toBe(5);
      const got = await fetchN(c, 5);
      await expect.poll(async () => (await c.status()).lag).toBe(5);
      await Promise.all(got.slice(0, 2).map((m) => m.ack()));
      await expect.poll(async () => (await c.status()).lag).toBe(3);
      await Promise.all(got.slice(2).map((m) => m.ack()));
      await expect.poll(async () => await c.status()).toEqual({ lag: 0, missed: 0 });
    });

    it('a durable resumes where it left off when reopened (NATS: by another process; memory: in-process only)', async () => {
      const b = await bus();
      const before = await durable(b);
      const old = await publishAll(b, 'job.i', 4);
      const got = await fetchN(before, 4);
      expect(ids(got).sort()).toEqual(old.map((e) => e.id).sort());
      await Promise.all(got.map((m) => m.ack()));
      await before.close();
      const fresh = await publishAll(b, 'job.i', 3);
      const after = await durable(await peer(b));
      const next = await fetchN(after, 3);
      expect(ids(next).sort()).toEqual(fresh.map((e) => e.id).sort());
      expect(next.every((m) => m.deliveries === 1)).toBe(true);
      await Promise.all(next.map((m) => m.ack()));
      expect(await after.fetch(10, 500)).toEqual([]);
    });

    it("a new durable starts after the log's end, or at its start with startAt 'all'", async () => {
      const b = await bus();
      const early = await publishAll(b, 'job.j', 2);
      // Long ack waits: these fetches wait past the short one without acknowledging.
      const fromNew = await durable(b, { name: 'fresh', ackWaitMs: 10_000 });
      const fromAll = await durable(b, { name: 'backfill', startAt: 'all', ackWaitMs: 10_000 });
      const late = await publishAll(b, 'job.j', 1);
      expect(ids(await fetchN(fromNew, 3, 1_500))).toEqual(late.map((e) => e.id));
      expect(ids(await fetchN(fromAll, 3)).sort()).toEqual([...early, ...late].map((e) => e.id).sort());
    });

    it('reads several patterns as one durable, and refuses overlapping ones or a bad name', async () => {
      const b = await bus();
      const c = await durable(b, { patterns: ['job.k', 'task.>'], ackWaitMs: 10_000 });
      const events = [makeEvent('job.k'), makeEvent('task.x.y'), makeEvent('job.other')];
      for (const e of events) await b.publish(e);
      expect(ids(await fetchN(c, 3, 1_500)).sort()).toEqual([events[0]!.id, events[1]!.id].sort());
      await expect(durable(b, { patterns: ['job.*', 'job.k'] })).rejects.toThrow(/overlap/);
      await expect(durable(b, { name: 'bad.name' })).rejects.toThrow(/Invalid durable name/);
    });
  });
}
