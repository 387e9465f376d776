import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { silentLogger } from '@gochat/log';
import { Recorder, realServer, uniqueName } from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog, describeBusContract, makeEvent } from './bus.contract.ts';
import { describeDurableContract } from './durable.contract.ts';
import { createNatsBus } from './nats-bus.ts';
import type { NatsBusOptions } from './nats-bus.ts';
import { ReplayGapError, type EventBus } from './port.ts';
import { describeReplayContract } from './replay.contract.ts';

const url = await realServer('nats');

describe.runIf(url)('nats bus', () => {
  let admin: NatsConnection;
  let jsm: JetStreamManager;
  const streams = new Set<string>();
  const buses: EventBus[] = [];
  const optionsOf = new WeakMap<EventBus, NatsBusOptions>();

  beforeAll(async () => {
    admin = await connect({ servers: url! });
    jsm = await jetstreamManager(admin);
  });

  afterAll(async () => {
    await Promise.all(buses.map((b) => b.drain()));
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
    await admin.drain();
  });

  /** A bus on its own prefix and stream unless told otherwise; cleaned up in afterAll. */
  async function openBus(overrides: Partial<NatsBusOptions> = {}): Promise<EventBus> {
    const options: NatsBusOptions = {
      url: url!,
      prefix: uniqueName('bus'),
      stream: uniqueName('BUS'),
      log: silentLogger,
      ...overrides,
    };
    streams.add(options.stream);
    const bus = await createNatsBus(options);
    buses.push(bus);
    optionsOf.set(bus, options);
    return bus;
  }

  describeBusContract('nats', () => openBus());
  describeDurableContract('nats', {
    open: () => openBus(),
    // Another connection to the same stream: another process, as far as the server can tell.
    peer: (bus) => {
      const { prefix, stream } = optionsOf.get(bus)!;
      return openBus({ prefix, stream });
    },
  });
  describeReplayContract('nats', (options) =>
    openBus(options?.maxPerSubject ? { maxMsgsPerSubject: options.maxPerSubject } : {}),
  );

  it('answers ReplayGapError once the stream no longer holds the events after the cursor', async () => {
    const stream = uniqueName('BUS');
    const bus = await openBus({ stream });
    const rec = new Recorder();
    bus.subscribe('gap.*', rec.handler);
    const events = [makeEvent('gap.a'), makeEvent('gap.a'), makeEvent('gap.a')];
    for (const e of events) await bus.publish(e);
    await rec.untilId(events[2]!.id);
    const firstSeq = rec.events[0]!.seq!;
    await jsm.streams.purge(stream, { seq: firstSeq + 2 }); // keeps only the last one
    await expect(bus.replay('gap.*', firstSeq - 1, () => undefined)).rejects.toBeInstanceOf(ReplayGapError);
    const seen: string[] = [];
    await bus.replay('gap.*', firstSeq + 1, (e) => seen.push(e.id));
    expect(seen).toEqual([events[2]!.id]);
  });

  it('adds republishing to a stream created without it, so live events carry their sequence', async () => {
    const prefix = uniqueName('bus');
    const stream = uniqueName('BUS');
    streams.add(stream);
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] });
    const bus = await openBus({ prefix, stream });
    expect((await jsm.streams.info(stream)).config.republish).toEqual({
      src: `${prefix}.>`,
      dest: `${prefix}_live.>`,
    });
    const rec = new Recorder();
    bus.subscribe('r.*', rec.handler);
    const event = makeEvent('r.a');
    await bus.publish(event);
    await rec.untilId(event.id);
    expect(rec.events[0]!.seq).toBe(1);
  });

  it('creates the stream with the prefix subjects, file storage and configured windows', async () => {
    const prefix = uniqueName('bus');
    const stream = uniqueName('BUS');
    await openBus({ prefix, stream, duplicateWindowMs: 30_000, maxAgeMs: 3_600_000 });
    const { config } = await jsm.streams.info(stream);
    expect(config.subjects).toEqual([`${prefix}.>`]);
    expect(config.storage).toBe('file');
    expect(config.duplicate_window).toBe(nanos(30_000));
    expect(config.max_age).toBe(nanos(3_600_000));
  });

  it('defaults to a 2 minute duplicate window and 7 day max age', async () => {
    const stream = uniqueName('BUS');
    await openBus({ stream });
    const { config } = await jsm.streams.info(stream);
    expect(config.duplicate_window).toBe(nanos(120_000));
    expect(config.max_age).toBe(nanos(7 * 24 * 3_600_000));
  });

  it('updates an existing stream whose config differs', async () => {
    const prefix = uniqueName('bus');
    const stream = uniqueName('BUS');
    streams.add(stream);
    await jsm.streams.add({
      name: stream,
      subjects: [`${prefix}.old.>`],
      duplicate_window: nanos(5_000),
      max_age: nanos(60_000),
    });
    const bus = await openBus({ prefix, stream, duplicateWindowMs: 45_000, maxAgeMs: 600_000 });
    const { config, state } = await jsm.streams.info(stream);
    expect(config.subjects).toEqual([`${prefix}.>`]);
    expect(config.duplicate_window).toBe(nanos(45_000));
    expect(config.max_age).toBe(nanos(600_000));
    await bus.publish(makeEvent('channel.1'));
    expect((await jsm.streams.info(stream)).state.messages).toBe(state.messages + 1);
  });

  it('stores published events durably in the stream', async () => {
    const stream = uniqueName('BUS');
    const bus = await openBus({ stream });
    const event = makeEvent('channel.5.messages', { text: 'kept' });
    await bus.publish(event);
    await bus.publish(event);
    const stored = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(stored?.json()).toEqual(event);
    expect(stored?.header.get('Nats-Msg-Id')).toBe(event.id);
    expect((await jsm.streams.info(stream)).state.messages).toBe(1);
  });

  it('fans out across connections: one bus publishes, another receives', async () => {
    const prefix = uniqueName('bus');
    const stream = uniqueName('BUS');
    const publisher = await openBus({ prefix, stream, name: 'publisher' });
    const receiver = await openBus({ prefix, stream, name: 'receiver' });
    const rec = new Recorder();
    receiver.subscribe('channel.*.messages', rec.handler);
    // The subscription is live once the server has processed SUB; ping is a round trip after it.
    await receiver.ping();
    const event = makeEvent('channel.9.messages', { text: 'across' });
    await publisher.publish(event);
    await rec.untilId(event.id);
    expect(rec.events).toEqual([{ ...event, seq: expect.any(Number) as number }]);
  });

  it('deduplicates the same id republished by another process', async () => {
    const prefix = uniqueName('bus');
    const stream = uniqueName('BUS');
    const a = await openBus({ prefix, stream });
    const b = await openBus({ prefix, stream });
    const listener = await openBus({ prefix, stream });
    const rec = new Recorder();
    listener.subscribe('>', rec.handler);
    await listener.ping();
    const event = makeEvent('dm.1');
    expect(await a.publish(event)).toEqual({ duplicate: false });
    expect(await b.publish(event)).toEqual({ duplicate: true });
    const sentinel = makeEvent('dm.1');
    await a.publish(sentinel);
    await rec.untilId(sentinel.id);
    expect(rec.ids).toEqual([event.id, sentinel.id]);
  });

  it('skips malformed messages without crashing and keeps delivering', async () => {
    const prefix = uniqueName('bus');
    const { log, lines } = captureLog('warn');
    const bus = await openBus({ prefix, log });
    const rec = new Recorder();
    bus.subscribe('channel.>', rec.handler);
    await bus.ping();
    admin.publish(`${prefix}.channel.1`, 'not json {');
    admin.publish(`${prefix}.channel.1`, JSON.stringify({ id: 42, type: 'X' }));
    admin.publish(`${prefix}.channel.1`, JSON.stringify(['an', 'array']));
    admin.publish(`${prefix}.channel.1`, new Uint8Array([0xff, 0xfe, 0x00]));
    await admin.flush();
    const sentinel = makeEvent('channel.1');
    await bus.publish(sentinel);
    await rec.untilId(sentinel.id);
    expect(rec.ids).toEqual([sentinel.id]);
    expect(lines.filter((l) => l.msg === 'skipping malformed bus message')).toHaveLength(4);
    await expect(bus.ping()).resolves.toBeUndefined();
  });

  it('keeps a durable as JetStream durable pull consumers, one per pattern, with explicit acks', async () => {
    const prefix = uniqueName('bus');
    const stream = uniqueName('BUS');
    const bus = await openBus({ prefix, stream });
    const consumer = await bus.durable({
      name: 'idx',
      patterns: ['guild.*', 'channel.*.*.messages'],
      deadLetterSubject: 'deadletter.idx',
      ackWaitMs: 5_000,
    });
    const infos = await jsm.consumers.list(stream).next();
    expect(infos.map((info) => info.config.filter_subject).sort()).toEqual([
      `${prefix}.channel.*.*.messages`,
      `${prefix}.guild.*`,
    ]);
    for (const info of infos) {
      expect(info.config).toMatchObject({ ack_policy: 'explicit', ack_wait: nanos(5_000), max_deliver: -1 });
      expect(info.config.durable_name).toMatch(/^idx_[0-9a-f]{8}_[01]$/);
    }
    await consumer.close();
    // Reopened with another ack wait, by a later version: updated in place, same consumers.
    await (
      await bus.durable({
        name: 'idx',
        patterns: ['channel.*.*.messages', 'guild.*'],
        deadLetterSubject: 'deadletter.idx',
        ackWaitMs: 9_000,
      })
    ).close();
    const updated = await jsm.consumers.list(stream).next();
    expect(updated.map((info) => info.config.ack_wait)).toEqual([nanos(9_000), nanos(9_000)]);
  });

  it('dead-letters a stored payload that is not a bus event, with its start', async () => {
    const prefix = uniqueName('bus');
    const bus = await openBus({ prefix });
    const letters = new Recorder();
    bus.subscribe('deadletter.*', letters.handler);
    await bus.ping();
    const consumer = await bus.durable({
      name: 'raw',
      patterns: ['odd.*'],
      deadLetterSubject: 'deadletter.raw',
    });
    admin.publish(`${prefix}.odd.1`, 'not json {');
    await admin.flush();
    expect(await consumer.fetch(10, 1_500)).toEqual([]);
    await letters.untilCount(1);
    expect(letters.events[0]!.data).toMatchObject({
      consumer: 'raw',
      subject: 'odd.1',
      attempts: 1,
      event: null,
      raw: 'not json {',
    });
    expect(await consumer.status()).toEqual({ lag: 0, missed: 0 });
    await consumer.close();
  });

  it('rejects an invalid prefix before connecting', async () => {
    await expect(
      createNatsBus({ url: url!, prefix: 'Bad.Prefix', stream: uniqueName('BUS'), log: silentLogger }),
    ).rejects.toThrow(/Invalid bus prefix/);
  });
});
