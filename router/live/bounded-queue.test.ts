import { describe, expect, it, vi } from 'vitest';

import { BoundedQueue } from './bounded-queue.ts';

describe('BoundedQueue', () => {
  it('yields pushed items in FIFO order', async () => {
    const queue = new BoundedQueue<number>(10, () => {});
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(await queue.next()).toEqual({ value: 3, done: false });
  });

  it('resolves a pending next() when an item is pushed', async () => {
    const queue = new BoundedQueue<string>(10, () => {});
    const pending = queue.next();
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    queue.push('a');
    await expect(pending).resolves.toEqual({ value: 'a', done: false });
  });

  it('an item handed to a waiting reader does not count against the limit', async () => {
    const onClose = vi.fn();
    const queue = new BoundedQueue<number>(1, onClose);
    const first = queue.next();
    queue.push(1); // goes straight to the waiting reader
    queue.push(2); // buffered: 1 of 1
    expect(queue.overflowed).toBe(false);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(onClose).not.toHaveBeenCalled();
  });

  it('overflows past the limit: closes once, drains what it holds, then ends', async () => {
    const onClose = vi.fn();
    const queue = new BoundedQueue<number>(2, onClose);
    queue.push(1);
    queue.push(2);
    expect(queue.overflowed).toBe(false);
    queue.push(3);
    expect(queue.overflowed).toBe(true);
    expect(onClose).toHaveBeenCalledTimes(1);
    queue.push(4); // ignored once failed
    expect(onClose).toHaveBeenCalledTimes(1);

    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('return() resolves a pending next() with done and calls onClose', async () => {
    const onClose = vi.fn();
    const queue = new BoundedQueue<number>(2, onClose);
    const pending = queue.next();
    await expect(queue.return()).resolves.toEqual({ value: undefined, done: true });
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);

    // Closed for good: later pushes are dropped and return() does not close twice.
    queue.push(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    await queue.return();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('return() discards buffered items', async () => {
    const queue = new BoundedQueue<number>(5, () => {});
    queue.push(1);
    queue.push(2);
    await queue.return();
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('is its own async iterator', async () => {
    const queue = new BoundedQueue<number>(5, () => {});
    queue.push(1);
    queue.push(2);
    const seen: number[] = [];
    for await (const n of queue) {
      seen.push(n);
      if (seen.length === 2) break; // break calls return()
    }
    expect(seen).toEqual([1, 2]);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });
});
