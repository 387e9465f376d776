import { silentLogger } from '@gochat/log';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Recorder } from '@gochat/testkit';
import { captureLog, describeBusContract, makeEvent } from './bus.contract.ts';
import { describeDurableContract, fetchN } from './durable.contract.ts';
import { createMemoryBus } from './memory-bus.ts';
import { ReplayGapError } from './port.ts';
import { describeReplayContract } from './replay.contract.ts';

describeBusContract('memory', () => Promise.resolve(createMemoryBus({ log: silentLogger })));

describe('memory bus', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers asynchronously, after publish returns', async () => {
    const bus = createMemoryBus({ log: silentLogger });
    const rec = new Recorder();
    bus.subscribe('a', rec.handler);
    const event = makeEvent('a');
    const published = bus.publish(event);
    expect(rec.ids).toEqual([]);
    await published;
    await rec.untilId(event.id);
    await bus.drain();
  });

  it('forgets ids once the duplicate window has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const bus = createMemoryBus({ log: silentLogger, duplicateWindowMs: 1_000 });
    const rec = new Recorder();
    bus.subscribe('a', rec.handler);
    const event = makeEvent('a');
    expect(await bus.publish(event)).toEqual({ duplicate: false });
    vi.advanceTimersByTime(999);
    expect(await bus.publish(event)).toEqual({ duplicate: true });
    vi.advanceTimersByTime(2);
    expect(await bus.publish(event)).toEqual({ duplicate: false });
    await bus.drain();
    expect(rec.ids).toEqual([event.id, event.id]);
  });

  it('gives each handler its own copy of the event', async () => {
    const bus = createMemoryBus({ log: silentLogger });
    const rec = new Recorder();
    bus.subscribe('a', (event) => {
      event.data.mutated = true;
    });
    bus.subscribe('a', rec.handler);
    const event = makeEvent('a', { x: 1 });
    await bus.publish(event);
    await bus.drain();
    expect(rec.events[0]!.data).toEqual({ x: 1 });
    expect(event.data).toEqual({ x: 1 });
  });

  it('delivers events published by a handler after the ones already queued', async () => {
    const bus = createMemoryBus({ log: silentLogger });
    const rec = new Recorder();
    const echo = makeEvent('b');
    bus.subscribe('a', () => void bus.publish(echo));
    bus.subscribe('>', rec.handler);
    const first = makeEvent('a');
    const second = makeEvent('a');
    // Both queued before any delivery runs: the echo must come after both, not between them.
    await Promise.all([bus.publish(first), bus.publish(second)]);
    await rec.untilId(echo.id);
    expect(rec.ids).toEqual([first.id, second.id, echo.id]);
    await bus.drain();
  });

  it('logs a throwing handler with the event id', async () => {
    const { log, lines } = captureLog('error');
    const bus = createMemoryBus({ log });
    bus.subscribe('a', () => {
      throw new Error('kaput');
    });
    const event = makeEvent('a');
    await bus.publish(event);
    await bus.drain();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'bus handler threw',
      eventId: event.id,
      err: { message: 'kaput' },
    });
  });
});

describeReplayContract('memory', (options) =>
  Promise.resolve(
    createMemoryBus({
      log: silentLogger,
      ...(options?.maxPerSubject ? { maxPerSubject: options.maxPerSubject } : {}),
    }),
  ),
);

describe('memory bus log', () => {
  it('answers ReplayGapError once the ring has dropped events after the cursor, and gives each bus its own epoch', async () => {
    const bus = createMemoryBus({ log: silentLogger, retention: 5 });
    for (let i = 0; i < 8; i++) await bus.publish(makeEvent('ring.a', { i }));
    // seqs 1..8 were stored; 4..8 remain.
    await expect(bus.replay('ring.a', 2, () => undefined)).rejects.toBeInstanceOf(ReplayGapError);
    const seen: number[] = [];
    await bus.replay('ring.a', 3, (e) => seen.push(e.data.i as number));
    expect(seen).toEqual([3, 4, 5, 6, 7]);
    expect(await bus.epoch()).not.toBe(await createMemoryBus({ log: silentLogger }).epoch());
  });
});

describeDurableContract('memory', {
  open: () => Promise.resolve(createMemoryBus({ log: silentLogger })),
  peer: (bus) => Promise.resolve(bus),
});

describe('memory bus durables and retention', () => {
  it('counts and logs the events the log dropped before a durable received them; delivered ones stay', async () => {
    const { log, lines } = captureLog('error');
    const bus = createMemoryBus({ log, retention: 1_000, maxPerSubject: 3 });
    const consumer = await bus.durable({
      name: 'slow',
      patterns: ['r.*'],
      deadLetterSubject: 'deadletter.slow',
    });
    await bus.publish(makeEvent('r.a', { i: 0 }));
    const [held] = await consumer.fetch(1, 100);
    for (let i = 1; i <= 6; i++) await bus.publish(makeEvent('r.a', { i }));
    // Retention keeps 3 of r.a: 4..6. Event 0 was delivered (held), so it is not lost; 1..3 are.
    expect(await consumer.status()).toEqual({ lag: 4, missed: 3 });
    const rest = await fetchN(consumer, 3);
    expect(rest.map((m) => m.event.data.i)).toEqual([4, 5, 6]);
    expect(lines).toEqual([expect.objectContaining({ missed: 3, durable: 'slow' })]);
    await Promise.all([held!, ...rest].map((m) => m.ack()));
    expect(await consumer.status()).toEqual({ lag: 0, missed: 3 });
    await bus.drain();
    await expect(consumer.fetch(1, 10)).resolves.toEqual([]);
    await expect(
      bus.durable({ name: 'late', patterns: ['r.*'], deadLetterSubject: 'deadletter.late' }),
    ).rejects.toThrow(/drained/);
  });
});
