import { Recorder } from '@gochat/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEvent } from './bus.contract.ts';
import { ReplayGapError, type BusEvent, type EventBus } from './port.ts';

/**
 * Cursors and replay, shared by both buses (decision 0017). `makeBus(retention)` returns a fresh bus whose
 * log keeps at least `retention` events; `prefix` isolates subjects per test run.
 */
export function describeReplayContract(name: string, makeBus: () => Promise<EventBus>): void {
  describe(`EventBus replay contract: ${name}`, () => {
    const open: EventBus[] = [];
    const bus = async () => {
      const b = await makeBus();
      open.push(b);
      return b;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.drain()));
    });

    const replayed = async (b: EventBus, pattern: string, after: number, maxEvents?: number) => {
      const events: BusEvent[] = [];
      await b.replay(pattern, after, (e) => events.push(e), maxEvents === undefined ? {} : { maxEvents });
      return events;
    };

    it('numbers stored events in publish order and delivers the number live', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('room.*', rec.handler);
      const events = [makeEvent('room.a'), makeEvent('room.b'), makeEvent('room.a')];
      for (const e of events) await b.publish(e);
      await rec.untilId(events[2]!.id);
      const seqs = rec.events.map((e) => e.seq!);
      expect(rec.events.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(seqs.every((s) => Number.isInteger(s) && s > 0)).toBe(true);
      expect(seqs[1]).toBeGreaterThan(seqs[0]!);
      expect(seqs[2]).toBeGreaterThan(seqs[1]!);
    });

    it('replays exactly the matching events after a seq, in order, with their seq', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('room.>', rec.handler);
      const events = Array.from({ length: 30 }, (_, i) =>
        makeEvent(i % 3 === 0 ? 'room.x' : 'room.y.z', { i }),
      );
      for (const e of events) await b.publish(e);
      await rec.untilId(events.at(-1)!.id);
      const cut = rec.events[9]!.seq!;
      const wanted = rec.events.slice(10).filter((e) => e.subject === 'room.x');
      const got = await replayed(b, 'room.x', cut);
      expect(got.map((e) => [e.id, e.seq])).toEqual(wanted.map((e) => [e.id, e.seq]));
      expect(got.map((e) => e.data)).toEqual(wanted.map((e) => e.data));
      // Wildcards too, and nothing after the end.
      expect((await replayed(b, 'room.>', cut)).map((e) => e.id)).toEqual(
        rec.events.slice(10).map((e) => e.id),
      );
      expect(await replayed(b, 'room.>', rec.events.at(-1)!.seq!)).toEqual([]);
    });

    it('never stores, numbers or replays ephemeral events, but delivers them live', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('typing.*', rec.handler);
      const stored = makeEvent('typing.s');
      const ephemeral = makeEvent('typing.e');
      await b.publish(stored);
      await b.publishEphemeral(ephemeral);
      await rec.untilId(ephemeral.id);
      expect(rec.events.find((e) => e.id === ephemeral.id)?.seq).toBeUndefined();
      const before = rec.events.find((e) => e.id === stored.id)!.seq! - 1;
      expect((await replayed(b, 'typing.*', before)).map((e) => e.id)).toEqual([stored.id]);
    });

    it('refuses to replay more than maxEvents with ReplayGapError', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('cap.*', rec.handler);
      const events = Array.from({ length: 12 }, () => makeEvent('cap.a'));
      for (const e of events) await b.publish(e);
      await rec.untilId(events.at(-1)!.id);
      const start = rec.events[0]!.seq! - 1;
      await expect(replayed(b, 'cap.*', start, 5)).rejects.toBeInstanceOf(ReplayGapError);
      expect(await replayed(b, 'cap.*', start, 12)).toHaveLength(12);
    });

    it('keeps one epoch for its lifetime', async () => {
      const b = await bus();
      const first = await b.epoch();
      expect(first).toMatch(/^[a-z0-9]+$/);
      await b.publish(makeEvent('epoch.a'));
      expect(await b.epoch()).toBe(first);
    });
  });
}
