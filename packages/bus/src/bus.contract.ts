import { Recorder } from '@gochat/testkit';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Logger } from '@gochat/log';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusEvent, EventBus } from './port.ts';

/** How long a test waits for an expected delivery before failing (the NATS round trip is ~1 ms). */

export function makeEvent(subject: string, data: Record<string, unknown> = {}, id = randomUUID()): BusEvent {
  return { id, type: 'TestEvent', subject, occurredAt: new Date().toISOString(), data };
}

/** A real logger whose JSON lines are kept for assertions. */
export function captureLog(level: string): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, lines };
}

/**
 * The behaviour every EventBus implementation must share. `makeBus` returns a fresh, isolated bus;
 * the suite drains it after each test.
 */
export function describeBusContract(name: string, makeBus: () => Promise<EventBus>): void {
  describe(`EventBus contract: ${name}`, () => {
    const open: EventBus[] = [];
    async function bus(): Promise<EventBus> {
      const b = await makeBus();
      open.push(b);
      return b;
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.drain()));
    });

    it('delivers the event payload intact', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('channel.42.messages', rec.handler);
      const event = makeEvent('channel.42.messages', {
        text: 'héllo 👋 "quoted" \n newline',
        n: 12.5,
        flag: false,
        none: null,
        list: [1, 'two', { three: 3 }],
        nested: { deep: { deeper: ['x'] } },
      });
      await expect(b.publish(event)).resolves.toEqual({ duplicate: false });
      await rec.untilId(event.id);
      expect(rec.events).toEqual([{ ...event, seq: expect.any(Number) as number }]);
    });

    it("'*' matches exactly one token", async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('channel.*.messages', rec.handler);
      const hit = makeEvent('channel.1.messages');
      await b.publish(hit);
      await b.publish(makeEvent('channel.1.2.messages'));
      await b.publish(makeEvent('channel.messages'));
      await b.publish(makeEvent('channel.1.typing'));
      await b.publish(makeEvent('user.1.messages'));
      const sentinel = makeEvent('channel.2.messages');
      await b.publish(sentinel);
      await rec.untilId(sentinel.id);
      expect(rec.ids).toEqual([hit.id, sentinel.id]);
    });

    it("'>' matches one or more trailing tokens", async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('channel.>', rec.handler);
      await b.publish(makeEvent('channel'));
      const one = makeEvent('channel.1');
      const many = makeEvent('channel.1.messages.edits');
      await b.publish(one);
      await b.publish(many);
      await b.publish(makeEvent('user.1'));
      await b.publish(makeEvent('channels.1'));
      const sentinel = makeEvent('channel.2');
      await b.publish(sentinel);
      await rec.untilId(sentinel.id);
      expect(rec.ids).toEqual([one.id, many.id, sentinel.id]);
    });

    it('an exact pattern matches only that subject', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('channel.1', rec.handler);
      await b.publish(makeEvent('channel.10'));
      await b.publish(makeEvent('channel.1.messages'));
      await b.publish(makeEvent('channel'));
      const sentinel = makeEvent('channel.1');
      await b.publish(sentinel);
      await rec.untilId(sentinel.id);
      expect(rec.ids).toEqual([sentinel.id]);
    });

    it('delivers an id once and reports the second publish as a duplicate', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('dm.>', rec.handler);
      const event = makeEvent('dm.7', { n: 1 });
      await expect(b.publish(event)).resolves.toEqual({ duplicate: false });
      await expect(b.publish({ ...event, data: { n: 2 } })).resolves.toEqual({ duplicate: true });
      const sentinel = makeEvent('dm.7');
      await b.publish(sentinel);
      await rec.untilId(sentinel.id);
      expect(rec.ids).toEqual([event.id, sentinel.id]);
      expect(rec.events[0]!.data).toEqual({ n: 1 });
    });

    it('unsubscribe stops delivery to that handler only', async () => {
      const b = await bus();
      const gone = new Recorder();
      const stays = new Recorder();
      const sub = b.subscribe('room.*', gone.handler);
      b.subscribe('room.*', stays.handler);
      const first = makeEvent('room.1');
      await b.publish(first);
      await gone.untilId(first.id);
      await stays.untilId(first.id);
      sub.unsubscribe();
      sub.unsubscribe(); // idempotent
      const second = makeEvent('room.1');
      await b.publish(second);
      await stays.untilId(second.id);
      expect(gone.ids).toEqual([first.id]);
      expect(stays.ids).toEqual([first.id, second.id]);
    });

    it('preserves publish order for 200 sequential publishes', async () => {
      const b = await bus();
      const wide = new Recorder();
      const exact = new Recorder();
      b.subscribe('order.>', wide.handler);
      b.subscribe('order.seq', exact.handler);
      const sent: string[] = [];
      for (let i = 0; i < 200; i++) {
        const event = makeEvent('order.seq', { i });
        sent.push(event.id);
        await b.publish(event);
      }
      await wide.untilId(sent.at(-1)!);
      await exact.untilId(sent.at(-1)!);
      expect(wide.ids).toEqual(sent);
      expect(exact.ids).toEqual(sent);
      expect(exact.events.map((e) => e.data.i)).toEqual(sent.map((_, i) => i));
    });

    it('a throwing handler does not stop other handlers or later deliveries', async () => {
      const b = await bus();
      let calls = 0;
      b.subscribe('boom.>', () => {
        calls++;
        throw new Error('handler failure (expected by this test)');
      });
      const rec = new Recorder();
      b.subscribe('boom.>', rec.handler);
      const first = makeEvent('boom.1');
      const second = makeEvent('boom.2');
      await b.publish(first);
      await b.publish(second);
      await rec.untilId(second.id);
      expect(rec.ids).toEqual([first.id, second.id]);
      expect(calls).toBe(2);
      await expect(b.ping()).resolves.toBeUndefined();
    });

    it('rejects invalid subjects and patterns with a clear error', async () => {
      const b = await bus();
      for (const subject of ['', 'a..b', '.a', 'a.', 'a b', 'a.*', 'a.>', 'a.b*']) {
        await expect(b.publish(makeEvent(subject)), `subject ${JSON.stringify(subject)}`).rejects.toThrow(
          /Invalid subject/,
        );
      }
      for (const pattern of ['', 'a..b', 'a b', 'a.>.b', 'a.b*', '>a']) {
        expect(() => b.subscribe(pattern, () => undefined), `pattern ${JSON.stringify(pattern)}`).toThrow(
          /Invalid pattern/,
        );
      }
      await expect(b.publish({ ...makeEvent('a.b'), id: '' })).rejects.toThrow(/id/);
    });

    it('drain delivers what was already published, then publish and subscribe are refused', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('last.>', rec.handler);
      const event = makeEvent('last.1');
      // Not awaited: the event is in flight (queued, or on the wire) when drain starts.
      const published = b.publish(event);
      await b.drain();
      await expect(published).resolves.toEqual({ duplicate: false });
      expect(rec.ids).toEqual([event.id]);
      await expect(b.drain()).resolves.toBeUndefined(); // idempotent
      await expect(b.publish(makeEvent('last.2'))).rejects.toThrow(/drained/);
      expect(() => b.subscribe('last.>', rec.handler)).toThrow(/drained/);
      expect(rec.ids).toEqual([event.id]);
    });

    it('ping resolves while open and rejects after drain', async () => {
      const b = await bus();
      await expect(b.ping()).resolves.toBeUndefined();
      await b.drain();
      await expect(b.ping()).rejects.toThrow(/drained/);
    });
  });
}
