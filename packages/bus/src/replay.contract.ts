import { Recorder } from '@gochat/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEvent } from './bus.contract.ts';
import { ReplayGapError, type BusEvent, type EventBus } from './port.ts';

/**
 * Cursors and replay, shared by both buses (decisions 0017, 0021). `makeBus(options)` returns a fresh,
 * isolated bus; with `maxPerSubject` its log keeps that many events per subject.
 */
export function describeReplayContract(
  name: string,
  makeBus: (options?: { maxPerSubject?: number }) => Promise<EventBus>,
): void {
  describe(`EventBus replay contract: ${name}`, () => {
    const open: EventBus[] = [];
    const bus = async (options?: { maxPerSubject?: number }) => {
      const b = await makeBus(options);
      open.push(b);
      return b;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.drain()));
    });

    const replayed = async (b: EventBus, pattern: string | string[], after: number, maxEvents?: number) => {
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

    it('replays several patterns as one stream in seq order, each event once', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('multi.>', rec.handler);
      const events = Array.from({ length: 24 }, (_, i) =>
        makeEvent(['multi.a', 'multi.b.x', 'multi.c'][i % 3]!),
      );
      for (const e of events) await b.publish(e);
      await rec.untilId(events.at(-1)!.id);
      const cut = rec.events[5]!.seq!;
      const wanted = rec.events.slice(6).filter((e) => e.subject !== 'multi.c');
      // Overlapping patterns deliver an event once.
      const got = await replayed(b, ['multi.a', 'multi.b.*', 'multi.b.x'], cut);
      expect(got.map((e) => e.id)).toEqual(wanted.map((e) => e.id));
      expect(got.map((e) => e.seq)).toEqual(wanted.map((e) => e.seq));
    });

    it('keeps events per subject: a flooded subject loses its oldest, the others keep theirs', async () => {
      const b = await bus({ maxPerSubject: 20 });
      const rec = new Recorder();
      b.subscribe('keep.*', rec.handler);
      const quiet = [makeEvent('keep.quiet'), makeEvent('keep.quiet')];
      await b.publish(quiet[0]!);
      const flood = Array.from({ length: 50 }, () => makeEvent('keep.flood'));
      for (const e of flood) await b.publish(e);
      await b.publish(quiet[1]!);
      await rec.untilId(quiet[1]!.id);
      const start = rec.events[0]!.seq! - 1;
      // The quiet subject's history is whole however much the other one sent.
      expect((await replayed(b, 'keep.quiet', start)).map((e) => e.id)).toEqual(quiet.map((e) => e.id));
      // The flooded one lost events after the cursor: resynchronize.
      await expect(replayed(b, 'keep.flood', start)).rejects.toBeInstanceOf(ReplayGapError);
      await expect(replayed(b, ['keep.quiet', 'keep.flood'], start)).rejects.toBeInstanceOf(ReplayGapError);
      // From a recent cursor the flooded subject replays fine.
      const recent = rec.events.find((e) => e.id === flood[44]!.id)!.seq!;
      expect((await replayed(b, 'keep.flood', recent)).map((e) => e.id)).toEqual(
        flood.slice(45).map((e) => e.id),
      );
    });

    it('counts only matching events against maxEvents: traffic on other subjects never forces a resync', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('count.>', rec.handler);
      const mine = makeEvent('count.mine');
      await b.publish(mine);
      const noise = Array.from({ length: 30 }, () => makeEvent('count.noise'));
      for (const e of noise) await b.publish(e);
      await rec.untilId(noise.at(-1)!.id);
      const start = rec.events[0]!.seq! - 1;
      expect((await replayed(b, 'count.mine', start, 5)).map((e) => e.id)).toEqual([mine.id]);
      await expect(replayed(b, 'count.>', start, 5)).rejects.toBeInstanceOf(ReplayGapError);
    });

    it('refuses a cursor ahead of the log, and tells the position of the last stored event', async () => {
      const b = await bus();
      const rec = new Recorder();
      b.subscribe('pos.*', rec.handler);
      const event = makeEvent('pos.a');
      await b.publish(event);
      await rec.untilId(event.id);
      const seq = rec.events[0]!.seq!;
      expect(await b.position()).toBe(seq);
      await b.publishEphemeral(makeEvent('pos.e'));
      expect(await b.position()).toBe(seq); // ephemeral events take no place in the log
      expect(await replayed(b, 'pos.*', seq)).toEqual([]);
      await expect(replayed(b, 'pos.*', seq + 1000)).rejects.toBeInstanceOf(ReplayGapError);
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
