import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { limitMallocArenas, trimMalloc, trimMallocSoon } from './glibc.ts';

/** Whether this process runs on glibc (Node reports its runtime version only there). */
const onGlibc = Boolean(
  (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime,
);

function rssKb(): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
}

let withBlocks = 0;

/**
 * 64 MB in 16 KB blocks (under the mmap threshold: they come from malloc's heap), dropped, and one block
 * allocated after them and returned, so that the heap cannot shrink from its top on its own.
 */
function allocateAndFree(): Buffer {
  const blocks = Array.from({ length: 4_096 }, () => Buffer.allocUnsafeSlow(16 * 1024).fill(1));
  const pin = Buffer.allocUnsafeSlow(16 * 1024).fill(2);
  withBlocks = rssKb();
  blocks.length = 0;
  return pin;
}

/** A full garbage collection, so that freed Buffers' native memory is released to malloc now. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

describe.runIf(onGlibc)('glibc memory calls (on glibc only)', () => {
  it('caps the arenas', () => {
    expect(limitMallocArenas(8)).toBe(true);
  });

  it('gives memory that malloc kept after a free back to the system', async () => {
    const pin = allocateAndFree();
    collectGarbage();
    collectGarbage();
    const keptByMalloc = rssKb();
    expect(await trimMalloc()).toBe(true);
    const afterTrim = rssKb();
    expect(pin[0]).toBe(2);
    // glibc kept most of the 64 MB after the free; the trim gave back at least half of it.
    expect(keptByMalloc).toBeGreaterThan(withBlocks - 32 * 1024);
    expect(afterTrim).toBeLessThan(keptByMalloc - 32 * 1024);
  });
});

describe('trimMallocSoon', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('folds the requests of one interval into one trim, and spaces trims by the interval', async () => {
    vi.useFakeTimers();
    const trim = vi.fn(() => Promise.resolve(true));
    const trims = trimMallocSoon(2_000, (error) => expect.fail(String(error)), trim);
    trims.soon();
    trims.soon();
    await vi.advanceTimersByTimeAsync(0);
    expect(trim).toHaveBeenCalledTimes(1);

    trims.soon();
    trims.soon();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(trim).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(trim).toHaveBeenCalledTimes(2);
    trims.stop();
  });

  it('reports a failed trim and keeps trimming', async () => {
    vi.useFakeTimers();
    const failure = new Error('no');
    const trim = vi.fn().mockRejectedValueOnce(failure).mockResolvedValue(true);
    const errors: unknown[] = [];
    const trims = trimMallocSoon(10, (error) => errors.push(error), trim);
    trims.soon();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([failure]);
    trims.soon();
    await vi.advanceTimersByTimeAsync(10);
    expect(trim).toHaveBeenCalledTimes(2);
    expect(errors).toHaveLength(1);
  });

  it('stop cancels a waiting trim', async () => {
    vi.useFakeTimers();
    const trim = vi.fn(() => Promise.resolve(true));
    const trims = trimMallocSoon(1_000, (error) => expect.fail(String(error)), trim);
    trims.soon();
    await vi.advanceTimersByTimeAsync(0);
    trims.soon();
    trims.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(trim).toHaveBeenCalledTimes(1);
  });
});
