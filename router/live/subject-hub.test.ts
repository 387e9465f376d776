import { randomUUID } from 'node:crypto';

import { createMemoryBus, type BusEvent, type EventBus } from '@gochat/bus';
import { silentLogger } from '@gochat/log';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import type { LiveEvent } from './event.ts';
import { SubjectHub } from './subject-hub.ts';

/** A memory bus that counts the interest the hub takes and releases. */
function countingBus() {
  const inner = createMemoryBus({ log: silentLogger });
  const counts = { subscribe: 0, unsubscribe: 0, patterns: [] as string[] };
  const bus: EventBus = {
    ...inner,
    subscribe(pattern, handler) {
      counts.subscribe++;
      counts.patterns.push(pattern);
      const subscription = inner.subscribe(pattern, handler);
      return {
        unsubscribe() {
          counts.unsubscribe++;
          subscription.unsubscribe();
        },
      };
    },
  };
  return { bus, inner, counts };
}

function event(subject: string, type = 'MessageCreated'): BusEvent {
  return { id: randomUUID(), type, subject, occurredAt: new Date().toISOString(), data: {} };
}

/** The memory bus delivers on a microtask; a macrotask later every published event has arrived. */
const delivered = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SubjectHub', () => {
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.drain()));
  });
  function setup(gauge?: Gauge) {
    const counting = countingBus();
    buses.push(counting.inner);
    return { ...counting, hub: new SubjectHub(counting.bus, silentLogger, gauge) };
  }

  it('takes one bus subscription per subject however many listeners, and releases it with the last', async () => {
    const { hub, counts } = setup();
    const listenings = Array.from({ length: 5 }, () => hub.listen('channel.1.messages', () => {}));
    await Promise.all(listenings.map((l) => l.ready));
    expect(counts.subscribe).toBe(1);
    expect(counts.patterns).toEqual(['channel.1.messages']);
    expect(hub.subjectCount).toBe(1);

    for (const l of listenings.slice(0, 4)) l.close();
    expect(counts.unsubscribe).toBe(0);
    expect(hub.subjectCount).toBe(1);

    listenings[4]!.close();
    expect(counts.unsubscribe).toBe(1);
    expect(hub.subjectCount).toBe(0);

    // A new listener after the release takes a fresh subscription.
    const again = hub.listen('channel.1.messages', () => {});
    await again.ready;
    expect(counts.subscribe).toBe(2);
    expect(hub.subjectCount).toBe(1);
    again.close();
    expect(counts.unsubscribe).toBe(2);
  });

  it('delivers each event to every listener of its subject and to no other subject', async () => {
    const { hub, bus } = setup();
    const a1: string[] = [];
    const a2: string[] = [];
    const b: string[] = [];
    const listenings = [
      hub.listen('channel.a.messages', (e) => a1.push(e.id)),
      hub.listen('channel.a.messages', (e) => a2.push(e.id)),
      hub.listen('channel.b.messages', (e) => b.push(e.id)),
    ];
    await Promise.all(listenings.map((l) => l.ready));
    const forA = event('channel.a.messages');
    const forB = event('channel.b.messages');
    await bus.publish(forA);
    await bus.publish(forB);
    await delivered();
    expect(a1).toEqual([forA.id]);
    expect(a2).toEqual([forA.id]);
    expect(b).toEqual([forB.id]);
  });

  it('reads each event once: every listener gets the same typed object, its subject parsed', async () => {
    const { hub, bus } = setup();
    const seen: LiveEvent[] = [];
    const listenings = [
      hub.listen('channel.*.c1.messages', (e) => seen.push(e)),
      hub.listen('channel.*.c1.messages', (e) => seen.push(e)),
    ];
    await Promise.all(listenings.map((l) => l.ready));
    const sent = event('channel.g1.c1.messages');
    await bus.publish(sent);
    await delivered();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]).toMatchObject({ id: sent.id, type: 'MessageCreated' });
    expect(seen[0]!.at).toEqual({ kind: 'messages', guildId: 'g1', channelId: 'c1' });
  });

  it('drops events of a type the catalogue does not know: no feed could judge them', async () => {
    const { hub, bus } = setup();
    const seen: string[] = [];
    const listening = hub.listen('user.u1', (e) => seen.push(e.type));
    await listening.ready;
    await bus.publish(event('user.u1', 'SomethingNew'));
    await bus.publish(event('user.u1', 'FriendAdded'));
    await delivered();
    expect(seen).toEqual(['FriendAdded']);
  });

  it('stops delivering to a closed listener; close() is idempotent', async () => {
    const { hub, bus, counts } = setup();
    const gone: string[] = [];
    const stays: string[] = [];
    const closing = hub.listen('channel.1.messages', (e) => gone.push(e.id));
    const staying = hub.listen('channel.1.messages', (e) => stays.push(e.id));
    await staying.ready;

    closing.close();
    closing.close();
    closing.close();
    // Repeated closes of one listener must not release the subject the other still holds.
    expect(counts.unsubscribe).toBe(0);
    expect(hub.subjectCount).toBe(1);

    const e = event('channel.1.messages');
    await bus.publish(e);
    await delivered();
    expect(gone).toEqual([]);
    expect(stays).toEqual([e.id]);

    staying.close();
    staying.close();
    expect(counts.unsubscribe).toBe(1);
    expect(hub.subjectCount).toBe(0);
  });

  it('a closed listener from an earlier generation does not release the current subscription', async () => {
    const { hub, counts } = setup();
    const old = hub.listen('channel.1.messages', () => {});
    old.close();
    const current = hub.listen('channel.1.messages', () => {});
    await current.ready;
    old.close();
    expect(hub.subjectCount).toBe(1);
    expect(counts.unsubscribe).toBe(1);
    current.close();
    expect(counts.unsubscribe).toBe(2);
  });

  it('a throwing listener does not stop the others', async () => {
    const { hub, bus } = setup();
    const received: string[] = [];
    let throws = 0;
    const listenings = [
      hub.listen('channel.1.messages', () => {
        throws++;
        throw new Error('listener failure (expected by this test)');
      }),
      hub.listen('channel.1.messages', (e) => received.push(e.id)),
    ];
    await Promise.all(listenings.map((l) => l.ready));
    const first = event('channel.1.messages');
    const second = event('channel.1.messages');
    await bus.publish(first);
    await bus.publish(second);
    await delivered();
    expect(throws).toBe(2);
    expect(received).toEqual([first.id, second.id]);
  });

  it('reports the number of subscribed subjects on the gauge', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'test_bus_subscriptions', help: 'test', registers: [registry] });
    const { hub } = setup(gauge);
    const value = async () => (await gauge.get()).values[0]?.value;

    const a1 = hub.listen('channel.a.messages', () => {});
    const a2 = hub.listen('channel.a.messages', () => {});
    expect(await value()).toBe(1);
    const b = hub.listen('channel.b.messages', () => {});
    expect(await value()).toBe(2);
    a1.close();
    expect(await value()).toBe(2);
    a2.close();
    expect(await value()).toBe(1);
    b.close();
    expect(await value()).toBe(0);
    expect(await registry.metrics()).toContain('test_bus_subscriptions 0');
  });
});
