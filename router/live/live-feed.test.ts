import { randomUUID } from 'node:crypto';

import { createMemoryBus, type BusEvent, type EventBus } from '@gochat/bus';
import { DomainError } from '@gochat/errors';
import { silentLogger } from '@gochat/log';
import type { ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';

import { formatCursor } from './cursor.ts';
import type { FeedRules, Verdict } from './feed.ts';
import { LiveFeed, startPoint } from './live-feed.ts';
import type { LiveEvent } from './event.ts';
import { dataOf } from './test-events.ts';
import { SubjectHub } from './subject-hub.ts';

const SUBJECT = 'channel.g1.c1.messages';
const message = (n: number): BusEvent => ({
  id: randomUUID(),
  type: 'MessageCreated',
  subject: SUBJECT,
  occurredAt: new Date().toISOString(),
  data: { n },
});
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

/** Delivers every event, or ends the feed with `end` on an event carrying { end: true }. */
const rules = (end?: DomainError): FeedRules => ({
  patterns: () => [SUBJECT],
  replayPatterns: () => [SUBJECT],
  needsRefresh: () => false,
  refresh: () => Promise.resolve(),
  decide: (e): Verdict => (dataOf(e).end && end ? end : 'deliver'),
});

describe('the live core', () => {
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.drain()));
  });
  function setup() {
    const bus = createMemoryBus({ log: silentLogger });
    buses.push(bus);
    return { bus, hub: new SubjectHub(bus, silentLogger) };
  }
  const render = (e: LiveEvent): Promise<ExecutionResult> => Promise.resolve({ data: { n: dataOf(e).n } });

  it('starts where the cursor says, with the access position of a resume; refuses foreign cursors', async () => {
    const { bus } = setup();
    for (let i = 0; i < 3; i++) await bus.publish(message(i));
    const epoch = await bus.epoch();
    expect(await startPoint(bus, undefined)).toEqual({ epoch, after: undefined, accessAsOf: 0 });
    expect(await startPoint(bus, formatCursor(epoch, 1))).toEqual({ epoch, after: 1, accessAsOf: 3 });
    await expect(startPoint(bus, 'other.1')).rejects.toMatchObject({
      extensions: { code: 'RESYNC_REQUIRED' },
    });
    await expect(startPoint(bus, 'not a cursor')).rejects.toMatchObject({
      extensions: { code: 'VALIDATION' },
    });
  });

  it('queues what the feed accepts for the iterator, in order, replay first', async () => {
    const { bus, hub } = setup();
    for (let i = 0; i < 3; i++) await bus.publish(message(i));
    const at = await startPoint(bus, formatCursor(await bus.epoch(), 1));
    const live = await LiveFeed.start({ hub, bus, rules: rules(), maxReplay: 100, queueLimit: 100 }, at);
    let finished = 0;
    const iterator = live.subscribe({ render, onFinish: () => finished++ });
    await bus.publish(message(3));
    // Seqs start at 1: the client saw n = 0 (seq 1).
    const results = [await iterator.next(), await iterator.next(), await iterator.next()];
    expect(results.map((r) => r.value as ExecutionResult)).toEqual([
      { data: { n: 1 } },
      { data: { n: 2 } },
      { data: { n: 3 } },
    ]);
    await iterator.return!();
    await iterator.return!();
    expect(finished).toBe(1);
    expect(hub.subjectCount).toBe(0);
  });

  it("ends with the feed's error as the last result, even when it ended before anyone subscribed", async () => {
    const { bus, hub } = setup();
    const end = new DomainError('FORBIDDEN', 'gone', { details: { reason: 'KICKED' } });
    const live = await LiveFeed.start(
      { hub, bus, rules: rules(end), maxReplay: 100, queueLimit: 100 },
      await startPoint(bus, undefined),
    );
    await bus.publish({ ...message(0), data: { end: true } });
    await settle();
    let finished = 0;
    const iterator = live.subscribe({ render, onFinish: () => finished++ });
    expect(await iterator.next()).toEqual({ value: { errors: [end] }, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(finished).toBe(1);
  });

  it('answers RESYNC_REQUIRED for a cursor the log no longer covers, and stops listening', async () => {
    const bus = createMemoryBus({ log: silentLogger, retention: 2 });
    buses.push(bus);
    const hub = new SubjectHub(bus, silentLogger);
    for (let i = 0; i < 5; i++) await bus.publish(message(i));
    const at = await startPoint(bus, formatCursor(await bus.epoch(), 1));
    await expect(
      LiveFeed.start({ hub, bus, rules: rules(), maxReplay: 100, queueLimit: 100 }, at),
    ).rejects.toMatchObject({ extensions: { code: 'RESYNC_REQUIRED' } });
    expect(hub.subjectCount).toBe(0);
  });

  it('tells a subscriber that stopped reading SLOW_CONSUMER once, after what was queued', async () => {
    const { bus, hub } = setup();
    const live = await LiveFeed.start(
      { hub, bus, rules: rules(), maxReplay: 100, queueLimit: 2 },
      await startPoint(bus, undefined),
    );
    let slow = 0;
    const iterator = live.subscribe({ render, onSlowConsumer: () => slow++, onFinish: () => {} });
    for (let i = 0; i < 4; i++) await bus.publish(message(i));
    await settle();
    const values: ExecutionResult[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) values.push(r.value);
    expect(values.map((v) => (v.errors ? v.errors[0]!.extensions.code : v.data))).toEqual([
      { n: 0 },
      { n: 1 },
      'SLOW_CONSUMER',
    ]);
    expect(slow).toBe(1);
  });
});
