import { randomUUID } from 'node:crypto';

import { createMemoryBus, type BusEvent, type EventBus } from '@gochat/bus';
import { DomainError } from '@gochat/errors';
import { silentLogger } from '@gochat/log';
import { afterEach, describe, expect, it } from 'vitest';

import type { LiveEvent } from './event.ts';
import { Feed, type FeedRules } from './feed.ts';
import { SubjectHub } from './subject-hub.ts';

/** A catalogued type (the hub drops others) with whatever payload the test reads back. */
const event = (subject: string, data: Record<string, unknown> = {}, type = 'MessageCreated'): BusEvent => ({
  id: randomUUID(),
  type,
  subject,
  occurredAt: new Date().toISOString(),
  data,
});
/** What the feed delivered, with the test's payload fields readable. */
interface Delivered {
  type: string;
  seq?: number;
  data: Record<string, unknown>;
}
const dataOf = (e: LiveEvent) => e.data as Record<string, unknown>;
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

describe('Feed', () => {
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.drain()));
  });

  function setup(
    rules: FeedRules,
    options: { retention?: number; queueLimit?: number; maxReplay?: number } = {},
  ) {
    const bus = createMemoryBus({ log: silentLogger, retention: options.retention ?? 10_000 });
    buses.push(bus);
    const hub = new SubjectHub(bus, silentLogger);
    const delivered: Delivered[] = [];
    const ends: (DomainError | undefined)[] = [];
    let overflowed = false;
    const feed = new Feed({
      hub,
      bus,
      rules,
      maxReplay: options.maxReplay ?? 10_000,
      queueLimit: options.queueLimit ?? 10_000,
      deliver: (e) => void delivered.push({ type: e.type, seq: e.seq, data: dataOf(e) }),
      onEnd: (e) => ends.push(e),
      onOverflow: () => (overflowed = true),
    });
    return { bus, hub, feed, delivered, ends, overflowed: () => overflowed };
  }

  const fixed = (patterns: string[], extra: Partial<FeedRules> = {}): FeedRules => ({
    patterns: () => patterns,
    replayPatterns: () => patterns,
    needsRefresh: () => false,
    refresh: () => Promise.resolve(),
    decide: (e) => (patterns.some((p) => e.subject.startsWith(p.replace('.*', ''))) ? 'deliver' : 'skip'),
    ...extra,
  });

  it('resumes after a cursor: the missed events first, in order and once, then live ones', async () => {
    const { bus, feed, delivered } = setup(fixed(['room.a']));
    const seen: number[] = [];
    const probe = bus.subscribe('room.a', (e) => seen.push(e.seq!));
    for (let i = 0; i < 10; i++) await bus.publish(event('room.a', { i }));
    for (let i = 0; i < 3; i++) await bus.publish(event('room.b', { i }));
    await settle();
    probe.unsubscribe();
    await feed.start(seen[3]); // the client saw i = 0..3
    // Published while the feed replays and before it attaches: queued, merged, never doubled.
    for (let i = 10; i < 15; i++) await bus.publish(event('room.a', { i }));
    feed.attach();
    await settle();
    for (let i = 15; i < 20; i++) await bus.publish(event('room.a', { i }));
    await settle();
    expect(delivered.map((e) => e.data.i)).toEqual(Array.from({ length: 16 }, (_, k) => k + 4));
    const seqs = delivered.map((e) => e.seq!);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it('hands an event reaching it twice (overlapping subjects, replay and live) to the client once', async () => {
    const { bus, feed, delivered } = setup(fixed(['room.a', 'room.*']));
    await feed.start(undefined);
    feed.attach();
    for (let i = 0; i < 5; i++) await bus.publish(event('room.a', { i }));
    await settle();
    expect(delivered.map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4]);
  });

  it('answers a cursor older than the log with ReplayGapError', async () => {
    const { bus, feed } = setup(fixed(['room.a']), { retention: 5 });
    for (let i = 0; i < 10; i++) await bus.publish(event('room.a'));
    await expect(feed.start(1)).rejects.toThrow(/no longer retained/);
  });

  it('re-reads access before deciding on an event that may change it, and holds later events meanwhile', async () => {
    let visible = true;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rules = fixed(['room.a', 'control'], {
      needsRefresh: (e) => e.subject === 'control',
      refresh: async () => {
        await gate;
        visible = false;
      },
      decide: (e) => (e.subject === 'control' ? 'skip' : visible ? 'deliver' : 'skip'),
    });
    const { bus, feed, delivered } = setup(rules);
    await feed.start(undefined);
    feed.attach();
    await bus.publish(event('room.a', { n: 1 }));
    await bus.publish(event('control'));
    await bus.publish(event('room.a', { n: 2 })); // after the access change: must not be delivered
    await settle();
    expect(delivered.map((e) => e.data.n)).toEqual([1]);
    release();
    await settle();
    expect(delivered.map((e) => e.data.n)).toEqual([1]);
  });

  it('catches up from the log when access widens, so events of a new subject are not lost', async () => {
    const subjects = ['user.me'];
    const rules: FeedRules = {
      patterns: () => subjects,
      replayPatterns: () => subjects,
      needsRefresh: (e) => e.type === 'GuildMemberAdded',
      refresh: async () => {
        subjects.push('guild.g');
        await settle();
      },
      decide: (e) => (subjects.includes(e.subject) ? 'deliver' : 'skip'),
    };
    const { bus, feed, delivered } = setup(rules);
    await feed.start(undefined);
    feed.attach();
    await bus.publish(event('user.me', {}, 'GuildMemberAdded'));
    // Committed right after the join, before the feed listens to guild.g.
    await bus.publish(event('guild.g', { n: 1 }));
    await bus.publish(event('guild.g', { n: 2 }));
    await settle();
    await settle();
    await bus.publish(event('guild.g', { n: 3 }));
    await settle();
    expect(delivered.map((e) => (e.type === 'GuildMemberAdded' ? 'joined' : e.data.n))).toEqual([
      'joined',
      1,
      2,
      3,
    ]);
  });

  it('ends with the verdict error and stops listening', async () => {
    const end = new DomainError('FORBIDDEN', 'gone', { details: { reason: 'KICKED' } });
    const { bus, hub, feed, delivered, ends } = setup(
      fixed(['room.a'], { decide: (e) => (dataOf(e).stop ? end : 'deliver') }),
    );
    await feed.start(undefined);
    feed.attach();
    await bus.publish(event('room.a', { n: 1 }));
    await bus.publish(event('room.a', { stop: true }));
    await bus.publish(event('room.a', { n: 2 }));
    await settle();
    expect(delivered.map((e) => e.data.n)).toEqual([1]);
    expect(ends).toEqual([end]);
    expect(hub.subjectCount).toBe(0);
  });

  it('ends with SERVICE_UNAVAILABLE (never an internal message) when re-reading access fails', async () => {
    const { bus, feed, ends } = setup(
      fixed(['room.a'], {
        needsRefresh: () => true,
        refresh: () => Promise.reject(new Error('connection reset by peer')),
      }),
    );
    await feed.start(undefined);
    feed.attach();
    await bus.publish(event('room.a'));
    await settle();
    expect(ends).toHaveLength(1);
    expect(ends[0]).toBeInstanceOf(DomainError);
    expect(ends[0]!.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(ends[0]!.message).not.toMatch(/reset/);
  });

  it('gives up with onOverflow when events pile up while it cannot deliver', async () => {
    const { bus, feed, ends, overflowed } = setup(
      fixed(['room.a'], { needsRefresh: () => true, refresh: () => new Promise(() => {}) }),
      { queueLimit: 3 },
    );
    await feed.start(undefined);
    feed.attach();
    for (let i = 0; i < 6; i++) await bus.publish(event('room.a'));
    await settle();
    expect(overflowed()).toBe(true);
    expect(ends).toEqual([undefined]);
  });

  it('delivers ephemeral events live without touching the cursor', async () => {
    const { bus, feed, delivered } = setup(fixed(['typing.x', 'room.a']));
    await feed.start(undefined);
    feed.attach();
    await bus.publish(event('room.a', { n: 1 }));
    await bus.publishEphemeral(event('typing.x', { n: 'typing' }));
    await bus.publish(event('room.a', { n: 2 }));
    await settle();
    expect(delivered.map((e) => e.data.n)).toEqual([1, 'typing', 2]);
    expect(delivered[1]!.seq).toBeUndefined();
  });
});
