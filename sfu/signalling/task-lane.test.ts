import { describe, expect, it } from 'vitest';

import { TaskLane } from './task-lane.ts';

/** A promise and the function that settles it, so a test decides when a task finishes. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('TaskLane', () => {
  it('runs tasks one at a time, in order, and settles each with its result', async () => {
    const lane = new TaskLane();
    const log: string[] = [];
    const first = gate();
    const started = gate();
    const a = lane.run(async () => {
      log.push('a start');
      started.open();
      await first.opened;
      log.push('a end');
      return 'a';
    });
    const b = lane.run(() => {
      log.push('b');
      return 'b';
    });
    await started.opened;
    expect(log).toEqual(['a start']);
    first.open();
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(log).toEqual(['a start', 'a end', 'b']);
  });

  it('runs an urgent task right after the one in flight, ahead of those waiting', async () => {
    const lane = new TaskLane();
    const log: string[] = [];
    const inFlight = gate();
    const done = [
      lane.run(async () => {
        await inFlight.opened;
        log.push('in flight');
      }),
      lane.run(() => log.push('waiting 1')),
      lane.run(() => log.push('waiting 2')),
      lane.runUrgent(() => log.push('urgent')),
    ];
    inFlight.open();
    await Promise.all(done);
    expect(log).toEqual(['in flight', 'urgent', 'waiting 1', 'waiting 2']);
  });

  it('rejects a failed task to its caller only, and goes on with the next', async () => {
    const lane = new TaskLane();
    const failed = lane.run(() => {
      throw new Error('boom');
    });
    const next = lane.run(() => 'still running');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('still running');
  });
});
