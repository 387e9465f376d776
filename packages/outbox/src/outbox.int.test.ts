import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  createMemoryBus,
  createNatsBus,
  type BusEvent,
  type BusHandler,
  type BusSubscription,
  type EventBus,
  type PublishResult,
} from '@gochat/bus';
import { openDatabase, queryRows, type Database, type DatabaseHandle } from '@gochat/db';
import { silentLogger, type Logger } from '@gochat/log';
import { Recorder, createTestDatabase, dropTestDatabase, realServer, uniqueName } from '@gochat/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.ts';
import {
  appendToOutbox,
  countPending,
  deletePublishedBefore,
  publishPendingBatch,
  type NewEvent,
} from './store.ts';

const pgUrl = await realServer('postgres');
const natsUrl = await realServer('nats');

/** How long a test waits for an expected delivery before failing (deliveries take milliseconds). */
const WAIT_MS = 10_000;

/** One process's view of the infrastructure: its database handle and its bus connection. */
interface Peer {
  db: Database;
  bus: EventBus;
}

/** A database and a bus, shared by the tests of one suite. */
interface OutboxWorld extends Peer {
  /** Another process on the same database and bus (PGlite is one in-process connection: the same handle). */
  peer(): Promise<Peer>;
  /** Subscribes as a consumer process would, and resolves once the subscription is live. */
  listen(pattern: string, handler: BusHandler): Promise<BusSubscription>;
  /** Messages the bus keeps durably (the JetStream stream); undefined when it keeps none. */
  storedMessages(): Promise<number | undefined>;
  /** Empties the outbox table and the stream, so each test counts only its own rows and messages. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Passes publishes through to a real bus and records what the relay handed it. The bus deduplicates by
 * event id, so a subscriber alone cannot tell a relay that publishes once from one that publishes twice.
 */
class TappedBus implements EventBus {
  readonly kind: EventBus['kind'];
  /** Ids the bus accepted as new, in publish order. */
  readonly accepted: string[] = [];
  /** Ids the bus reported as already published (its dedup by event id). */
  readonly duplicates: string[] = [];
  /** When set, publish rejects with it, as a bus that is down would. */
  failWith: Error | undefined;

  constructor(private readonly inner: EventBus) {
    this.kind = inner.kind;
  }

  get offered(): string[] {
    return [...this.accepted, ...this.duplicates];
  }

  async publish(event: BusEvent): Promise<PublishResult> {
    if (this.failWith) throw this.failWith;
    const result = await this.inner.publish(event);
    (result.duplicate ? this.duplicates : this.accepted).push(event.id);
    return result;
  }

  publishEphemeral(event: BusEvent): Promise<void> {
    return this.inner.publishEphemeral(event);
  }

  subscribe(pattern: string, handler: BusHandler): BusSubscription {
    return this.inner.subscribe(pattern, handler);
  }

  epoch(): Promise<string> {
    return this.inner.epoch();
  }

  replay(...args: Parameters<EventBus['replay']>): Promise<void> {
    return this.inner.replay(...args);
  }

  position(): Promise<number> {
    return this.inner.position();
  }

  durable(...args: Parameters<EventBus['durable']>): ReturnType<EventBus['durable']> {
    return this.inner.durable(...args);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  // The wrapped bus belongs to the suite, which drains it once at the end.
  drain(): Promise<void> {
    return Promise.resolve();
  }
}

/** A real logger whose JSON lines are kept for assertions. */
function captureLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'warn' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, lines };
}

function makeEvents(subject: string, n: number, from = 0): NewEvent[] {
  return Array.from({ length: n }, (_, i) => ({ subject, type: 'OutboxTestEvent', data: { i: from + i } }));
}

/** Appends in a transaction of its own, which commits. */
function append(db: Database, events: NewEvent[]): Promise<BusEvent[]> {
  return db.transaction((tx) => appendToOutbox(tx, events));
}

const ids = (events: BusEvent[]): string[] => events.map((e) => e.id);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeOutbox(name: string, setup: () => Promise<OutboxWorld>): void {
  describe(`outbox: ${name}`, () => {
    let world: OutboxWorld;
    /** Subject root of the current test, so late deliveries of another test's events never count. */
    let root: string;
    const relays: OutboxRelay[] = [];
    const subscriptions: BusSubscription[] = [];

    beforeAll(async () => {
      world = await setup();
    });
    afterAll(async () => {
      await world?.close();
    });
    beforeEach(async () => {
      root = uniqueName('t');
      await world.reset();
    });
    afterEach(async () => {
      await Promise.all(relays.splice(0).map((r) => r.stop()));
      for (const sub of subscriptions.splice(0)) sub.unsubscribe();
    });

    /** Defaults to a sweep too slow to fire during a test: only kick, flush and stop publish. */
    function startRelay(options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
      const relay = createOutboxRelay({
        db: world.db,
        bus: world.bus,
        log: silentLogger,
        intervalMs: 60_000,
        ...options,
      });
      relays.push(relay);
      return relay;
    }

    async function listen(): Promise<Recorder> {
      const rec = new Recorder(WAIT_MS);
      subscriptions.push(await world.listen(`${root}.>`, rec.handler));
      return rec;
    }

    /**
     * Publishes one more event through the relay and waits for it. Deliveries keep publish order, so once
     * it has arrived, any earlier (duplicate or unexpected) delivery would have arrived too.
     */
    async function settle(relay: OutboxRelay, db: Database, rec: Recorder): Promise<BusEvent> {
      const [sentinel] = await append(db, [{ subject: `${root}.sentinel`, type: 'Sentinel', data: {} }]);
      relay.kick();
      await rec.untilId(sentinel!.id);
      await relay.flush();
      return sentinel!;
    }

    it('publishes an event appended in a committed transaction after kick()', async () => {
      const rec = await listen();
      const bus = new TappedBus(world.bus);
      const relay = startRelay({ bus });
      const [event] = await append(world.db, [
        {
          subject: `${root}.created`,
          type: 'ThingCreated',
          data: { text: 'héllo 👋 "quoted"', n: 12.5, flag: false, none: null, nested: { list: [1, 'two'] } },
        },
      ]);
      expect(await countPending(world.db)).toBe(1);

      relay.kick();
      await rec.untilCount(1);
      // toEqual covers id, type, subject, data and occurredAt, as appendToOutbox returned them, plus
      // the position the bus gave it.
      expect(rec.events).toEqual([{ ...event, seq: expect.any(Number) as number }]);
      await relay.flush();
      expect(await countPending(world.db)).toBe(0);
      expect(bus.accepted).toEqual([event!.id]);
    });

    it('carries the trace context (traceparent) from the outbox through the bus, and leaves it out when unset', async () => {
      const rec = await listen();
      const relay = startRelay();
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const [traced, untraced] = await append(world.db, [
        { subject: `${root}.traced`, type: 'ThingTraced', data: {}, traceparent },
        { subject: `${root}.untraced`, type: 'ThingTraced', data: {} },
      ]);
      relay.kick();
      await rec.untilCount(2);
      expect(rec.events.map((e) => [e.id, e.traceparent])).toEqual([
        [traced!.id, traceparent],
        [untraced!.id, undefined],
      ]);
      expect('traceparent' in rec.events[1]!).toBe(false);
    });

    it('never publishes an event appended in a transaction that rolled back', async () => {
      const rec = await listen();
      const bus = new TappedBus(world.bus);
      const relay = startRelay({ bus });
      let rolledBack: BusEvent[] = [];
      await expect(
        world.db.transaction(async (tx) => {
          rolledBack = await appendToOutbox(tx, makeEvents(`${root}.x`, 1));
          throw new Error('rolled back by the test');
        }),
      ).rejects.toThrow('rolled back by the test');
      expect(rolledBack).toHaveLength(1);
      expect(await countPending(world.db)).toBe(0);

      // Same subject, appended after: had the rolled-back event been published, it would arrive first.
      const [sentinel] = await append(world.db, makeEvents(`${root}.x`, 1));
      relay.kick();
      await rec.untilId(sentinel!.id);
      await relay.flush();
      expect(rec.ids).toEqual([sentinel!.id]);
      expect(bus.offered).toEqual([sentinel!.id]);
    });

    it('publishes 300 events from several transactions in append order, each exactly once', async () => {
      const rec = await listen();
      const bus = new TappedBus(world.bus);
      const sent: BusEvent[] = [];
      for (let t = 0; t < 6; t++)
        sent.push(...(await append(world.db, makeEvents(`${root}.ordered`, 50, t * 50))));
      const bySeq = await queryRows<{ id: string }>(world.db, sql`select id from outbox_events order by seq`);
      expect(bySeq.map((r) => r.id)).toEqual(ids(sent));
      expect(await countPending(world.db)).toBe(300);

      // 300 is not a multiple of 64: full batches, then a short one that ends the run.
      const relay = startRelay({ bus, batchSize: 64 });
      relay.kick();
      await rec.untilCount(300);
      await relay.flush();
      expect(await countPending(world.db)).toBe(0);
      expect(bus.accepted).toEqual(ids(sent));
      expect(bus.duplicates).toEqual([]);
      const sentinel = await settle(relay, world.db, rec);
      expect(rec.ids).toEqual([...ids(sent), sentinel.id]);
      expect(rec.events.slice(0, 300).map((e) => e.data.i)).toEqual(sent.map((_, i) => i));
    });

    it('crash between commit and publish: a restarted relay publishes every committed event once', async () => {
      const rec = await listen();
      // The process committed these and died before any relay ran.
      const committed = [
        ...(await append(world.db, makeEvents(`${root}.a`, 10))),
        ...(await append(world.db, makeEvents(`${root}.b`, 10, 10))),
      ];
      expect(await countPending(world.db)).toBe(20);

      const restarted = await world.peer();
      const bus = new TappedBus(restarted.bus);
      const relay = startRelay({ db: restarted.db, bus });
      relay.kick(); // what a starting process does (cli/infrastructure.ts)
      await rec.untilCount(20);
      await relay.flush();
      expect(await countPending(world.db)).toBe(0);
      expect(bus.accepted).toEqual(ids(committed));
      expect(bus.duplicates).toEqual([]);
      const sentinel = await settle(relay, restarted.db, rec);
      expect(rec.ids).toEqual([...ids(committed), sentinel.id]);
      const stored = await world.storedMessages();
      if (stored !== undefined) expect(stored).toBe(21);
    });

    it('crash after publishing but before marking: the republished events are delivered once', async () => {
      const rec = await listen();
      const committed = await append(world.db, makeEvents(`${root}.c`, 5));
      await expect(
        publishPendingBatch(world.db, 100, async (events) => {
          for (const event of events) await world.bus.publish(event);
          throw new Error('crashed before marking (expected by this test)');
        }),
      ).rejects.toThrow('crashed before marking');
      // The marking transaction rolled back, as a crash would have left it.
      expect(await countPending(world.db)).toBe(5);
      await rec.untilCount(5);

      const restarted = await world.peer();
      const bus = new TappedBus(restarted.bus);
      const relay = startRelay({ db: restarted.db, bus });
      relay.kick();
      await relay.flush();
      expect(await countPending(world.db)).toBe(0);
      // The relay did publish them again; it is the bus that recognised the ids.
      expect(bus.duplicates).toEqual(ids(committed));
      expect(bus.accepted).toEqual([]);
      const sentinel = await settle(relay, restarted.db, rec);
      expect(rec.ids).toEqual([...ids(committed), sentinel.id]);
      const stored = await world.storedMessages();
      if (stored !== undefined) expect(stored).toBe(committed.length + 1);
    });

    it('two relays on the same database publish every event exactly once overall', async () => {
      const rec = await listen();
      const committed: BusEvent[] = [];
      for (let t = 0; t < 8; t++)
        committed.push(...(await append(world.db, makeEvents(`${root}.d`, 50, t * 50))));
      const other = await world.peer();
      const busA = new TappedBus(world.bus);
      const busB = new TappedBus(other.bus);
      // Small batches, so the relays take turns many times instead of one taking everything.
      const relayA = startRelay({ bus: busA, batchSize: 10 });
      const relayB = startRelay({ db: other.db, bus: busB, batchSize: 10 });
      await Promise.all([relayA.flush(), relayB.flush()]);

      expect(await countPending(world.db)).toBe(0);
      const offered = [...busA.offered, ...busB.offered];
      expect(offered).toHaveLength(committed.length);
      expect(new Set(offered)).toEqual(new Set(ids(committed)));
      expect(busA.duplicates).toEqual([]);
      expect(busB.duplicates).toEqual([]);
      // Both took part, or this would not have tested sharing the table.
      expect(busA.accepted.length).toBeGreaterThan(0);
      expect(busB.accepted.length).toBeGreaterThan(0);

      await rec.untilCount(committed.length);
      const sentinel = await settle(relayA, world.db, rec);
      expect(rec.ids).toHaveLength(committed.length + 1);
      expect(new Set(rec.ids)).toEqual(new Set([...ids(committed), sentinel.id]));
    });

    it('stop() publishes what was committed before it, including during a run in progress', async () => {
      const rec = await listen();
      const bus = new TappedBus(world.bus);
      const relay = startRelay({ bus });
      const first = await append(world.db, makeEvents(`${root}.e`, 5));
      relay.kick();
      // Commits while the kicked run may still be going: stop must not end with these pending.
      const second = await append(world.db, makeEvents(`${root}.e`, 5, 5));
      await relay.stop();
      expect(await countPending(world.db)).toBe(0);
      expect(bus.accepted).toEqual(ids([...first, ...second]));
      await rec.untilCount(10);
      expect(rec.ids).toEqual(ids([...first, ...second]));
    });

    it('stop() ends the periodic sweep', async () => {
      const rec = await listen();
      const bus = new TappedBus(world.bus);
      const relay = startRelay({ bus, intervalMs: 20 });
      // Not kicked: only the sweep publishes it, which shows the sweep runs before stop.
      const [swept] = await append(world.db, makeEvents(`${root}.f`, 1));
      await rec.untilId(swept!.id);
      await relay.stop();

      const [late] = await append(world.db, makeEvents(`${root}.f`, 1));
      // Absence takes time to show: ten sweep intervals.
      await sleep(200);
      expect(await countPending(world.db)).toBe(1);
      expect(bus.offered).toEqual([swept!.id]);
      expect(rec.ids).not.toContain(late!.id);
    });

    it('leaves rows pending when the bus rejects, and publishes them on a later kick', async () => {
      const rec = await listen();
      const { log, lines } = captureLog();
      const bus = new TappedBus(world.bus);
      bus.failWith = new Error('bus unavailable (expected by this test)');
      const relay = startRelay({ bus, log });
      const committed = await append(world.db, makeEvents(`${root}.g`, 3));

      relay.kick();
      await relay.flush();
      expect(await countPending(world.db)).toBe(3);
      expect(bus.offered).toEqual([]);
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'outbox: publish failed, will retry',
          err: expect.objectContaining({ message: 'bus unavailable (expected by this test)' }),
        }),
      );

      bus.failWith = undefined;
      relay.kick();
      await rec.untilCount(3);
      await relay.flush();
      expect(await countPending(world.db)).toBe(0);
      expect(bus.accepted).toEqual(ids(committed));
      expect(rec.ids).toEqual(ids(committed));
    });

    it('flush() publishes what was committed before it, at any point of a run ending', async () => {
      // A run ends with an empty batch. Right after it, an event commits and flush() is called some
      // microtasks later; trying each count hits the step between the run's last look for more work and
      // its promise settling, where a flush that joined the ending run would resolve with the event pending.
      const bus = new TappedBus(world.bus);
      let afterEmptyBatch: (() => Promise<void>) | undefined;
      const db = new Proxy(world.db, {
        get(target, prop, receiver) {
          if (prop !== 'transaction') return Reflect.get(target, prop, receiver) as unknown;
          return async (fn: Parameters<Database['transaction']>[0]) => {
            const result = await target.transaction(fn);
            const hook = afterEmptyBatch;
            if (result === 0 && hook) {
              afterEmptyBatch = undefined;
              await hook();
            }
            return result;
          };
        },
      });
      const relay = startRelay({ db, bus });
      for (let ticks = 0; ticks <= 40; ticks++) {
        let flushed: Promise<void> | undefined;
        afterEmptyBatch = async () => {
          await append(world.db, makeEvents(`${root}.h`, 1, ticks));
          void (async () => {
            for (let i = 0; i < ticks; i++) await Promise.resolve();
            flushed = relay.flush();
          })();
        };
        await relay.flush();
        // The late flush is called within 40 microtasks; all of them run before the next macrotask.
        while (!flushed) await new Promise<void>((resolve) => setImmediate(resolve));
        await flushed;
        expect(await countPending(world.db), `flush() called ${ticks} microtasks after the commit`).toBe(0);
      }
      expect(bus.accepted).toHaveLength(41);
    });

    /** A table the hooks write to, to show which transaction their writes belong to. */
    async function hookMarks(): Promise<() => Promise<string[]>> {
      await world.db.execute(sql`create table if not exists outbox_hook_marks (event_id text primary key)`);
      await world.db.execute(sql`delete from outbox_hook_marks`);
      return async () =>
        (await queryRows<{ event_id: string }>(world.db, sql`select event_id from outbox_hook_marks`))
          .map((r) => r.event_id)
          .sort();
    }

    it('beforePublish hooks run in order, in the relay transaction, before the batch is published', async () => {
      const rec = await listen();
      const marks = await hookMarks();
      const bus = new TappedBus(world.bus);
      const relay = startRelay({ bus });
      const seen: Array<{ hook: string; ids: string[]; offeredBefore: string[]; pendingInTx: number }> = [];
      for (const hook of ['first', 'second'])
        relay.beforePublish(async (tx, events) => {
          const ids = events.map((e) => e.id);
          // Read through the relay's transaction: the batch is still unpublished there.
          const pending = await queryRows<{ n: string | number }>(
            tx,
            sql`select count(*) as n from outbox_events
                where published_at is null and id = any(${`{${ids.join(',')}}`}::text[])`,
          );
          seen.push({ hook, ids, offeredBefore: [...bus.offered], pendingInTx: Number(pending[0]!.n) });
          if (hook === 'first')
            for (const id of ids)
              await tx.execute(sql`insert into outbox_hook_marks (event_id) values (${id})`);
        });
      const committed = await append(world.db, makeEvents(`${root}.hook`, 3));

      relay.kick();
      await rec.untilCount(3);
      await relay.flush();
      expect(seen).toEqual([
        { hook: 'first', ids: ids(committed), offeredBefore: [], pendingInTx: 3 },
        { hook: 'second', ids: ids(committed), offeredBefore: [], pendingInTx: 3 },
      ]);
      expect(bus.accepted).toEqual(ids(committed));
      expect(await marks()).toEqual([...ids(committed)].sort());
      expect(await countPending(world.db)).toBe(0);
    });

    it('a throwing beforePublish hook leaves the batch pending, its writes rolled back, and it is retried', async () => {
      const rec = await listen();
      const marks = await hookMarks();
      const { log, lines } = captureLog();
      const bus = new TappedBus(world.bus);
      const relay = startRelay({ bus, log });
      const calls: string[][] = [];
      let failing = true;
      relay.beforePublish(async (tx, events) => {
        calls.push(events.map((e) => e.id));
        for (const e of events)
          await tx.execute(sql`insert into outbox_hook_marks (event_id) values (${e.id})`);
        if (failing) throw new Error('store unavailable (expected by this test)');
      });
      const committed = await append(world.db, makeEvents(`${root}.hookfail`, 2));

      relay.kick();
      await relay.flush();
      const failedCalls = calls.length;
      expect(failedCalls).toBeGreaterThanOrEqual(1);
      expect(bus.offered).toEqual([]);
      expect(await countPending(world.db)).toBe(2);
      expect(await marks()).toEqual([]);
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'outbox: publish failed, will retry',
          err: expect.objectContaining({ message: 'store unavailable (expected by this test)' }),
        }),
      );

      failing = false;
      relay.kick();
      await rec.untilCount(2);
      await relay.flush();
      // Tried (once or more, as kicks and flushes coalesce) while failing, then once more successfully.
      expect(calls.length).toBe(failedCalls + 1);
      for (const call of calls) expect(call).toEqual(ids(committed));
      expect(bus.accepted).toEqual(ids(committed));
      expect(rec.ids).toEqual(ids(committed));
      expect(await marks()).toEqual([...ids(committed)].sort());
      expect(await countPending(world.db)).toBe(0);
    });

    it('deletePublishedBefore removes old published rows and never pending ones', async () => {
      await append(world.db, makeEvents(`${root}.i`, 3));
      // Marks the first two published without a bus: only the table matters here.
      expect(await publishPendingBatch(world.db, 2, () => Promise.resolve())).toBe(2);
      const count = async () =>
        Number(
          (
            await queryRows<{ n: string | number }>(world.db, sql`select count(*) as n from outbox_events`)
          )[0]!.n,
        );

      await deletePublishedBefore(world.db, new Date(Date.now() - 3_600_000));
      expect(await count()).toBe(3);
      await deletePublishedBefore(world.db, new Date(Date.now() + 3_600_000));
      expect(await count()).toBe(1);
      expect(await countPending(world.db)).toBe(1);
    });
  });
}

describeOutbox('pglite + memory bus', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-outbox-'));
  const handle = await openDatabase({ dataDir: dir, poolSize: 1, log: silentLogger });
  await handle.migrate();
  const bus = createMemoryBus({ log: silentLogger });
  return {
    db: handle.db,
    bus,
    peer: () => Promise.resolve({ db: handle.db, bus }),
    listen: (pattern, handler) => Promise.resolve(bus.subscribe(pattern, handler)),
    storedMessages: () => Promise.resolve(undefined),
    reset: async () => {
      await handle.db.execute(sql`delete from outbox_events`);
    },
    close: async () => {
      await bus.drain();
      await handle.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe.runIf(pgUrl && natsUrl)('postgres + nats', () => {
  let dbUrl: string | undefined;
  const stream = uniqueName('OUTBOX');
  let admin: NatsConnection | undefined;

  // Runs after the suite's own afterAll has closed its connections.
  afterAll(async () => {
    if (admin) {
      await (await jetstreamManager(admin)).streams.delete(stream).catch(() => false);
      await admin.drain();
    }
    if (dbUrl) await dropTestDatabase(pgUrl!, dbUrl);
  });

  describeOutbox('postgres + nats', async () => {
    const url = await createTestDatabase(pgUrl!);
    dbUrl = url;
    const prefix = uniqueName('outbox');
    const handles: DatabaseHandle[] = [];
    const buses: EventBus[] = [];
    const openBus = async (name: string) => {
      const bus = await createNatsBus({ url: natsUrl!, prefix, stream, log: silentLogger, name });
      buses.push(bus);
      return bus;
    };
    // Each peer has its own pool and NATS connection, as another process would.
    const open = async (): Promise<Peer> => {
      const handle = await openDatabase({ url, dataDir: '.', poolSize: 4, log: silentLogger });
      handles.push(handle);
      return { db: handle.db, bus: await openBus('outbox-test-relay') };
    };
    const main = await open();
    await handles[0]!.migrate();
    const listener = await openBus('outbox-test-listener');
    admin = await connect({ servers: natsUrl! });
    const jsm = await jetstreamManager(admin);
    return {
      ...main,
      peer: open,
      listen: async (pattern, handler) => {
        const sub = listener.subscribe(pattern, handler);
        // The subscription is live once the server has processed SUB; ping is a round trip after it.
        await listener.ping();
        return sub;
      },
      storedMessages: async () => (await jsm.streams.info(stream)).state.messages,
      reset: async () => {
        await main.db.execute(sql`delete from outbox_events`);
        await jsm.streams.purge(stream);
      },
      close: async () => {
        await Promise.all(buses.map((b) => b.drain()));
        await Promise.all(handles.map((h) => h.close()));
      },
    };
  });
});
