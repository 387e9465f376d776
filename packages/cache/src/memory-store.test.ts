import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeKeyValueContract, describeRateLimiterContract } from './cache.contract.ts';
import { internalsOf } from './internal.ts';
import { createMemoryStore } from './memory-store.ts';
import { createRateLimiter } from './rate-limiter.ts';

const makeStore = (keyPrefix: string) => Promise.resolve(createMemoryStore({ keyPrefix }));

describeKeyValueContract('memory', makeStore);
describeRateLimiterContract('memory', makeStore);

function sizeOf(store: ReturnType<typeof createMemoryStore>): number {
  const internals = internalsOf(store);
  if (internals?.kind !== 'memory') throw new Error('expected a memory store');
  return internals.size();
}

describe('memory store specifics', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires exactly at the TTL on an injected clock', async () => {
    let now = 1_000_000;
    const store = createMemoryStore({ now: () => now });
    await store.set('k', 'v', { ttlMs: 100 });
    expect(await store.increment('n', { ttlMs: 100 })).toBe(1);
    now += 99;
    expect(await store.get('k')).toBe('v');
    expect(await store.increment('n', { ttlMs: 100 })).toBe(2);
    now += 1;
    expect(await store.get('k')).toBeNull();
    expect(await store.get('n')).toBeNull();
    await store.close();
  });

  it('sweeps expired keys nobody reads, and close() stops the sweep', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore();
    expect(vi.getTimerCount()).toBe(1);
    await store.set('short', 'v', { ttlMs: 1_000 });
    await store.set('kept', 'v');
    expect(sizeOf(store)).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sizeOf(store)).toBe(1);
    await store.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not expose its internals as enumerable properties', () => {
    const store = createMemoryStore();
    expect(Object.keys(store).sort()).toEqual(
      ['close', 'delete', 'get', 'increment', 'kind', 'ping', 'set', 'setIfAbsent'].sort(),
    );
    expect(Object.getOwnPropertySymbols(store)).toHaveLength(1);
    return store.close();
  });

  it('refuses one rule name with two different budgets on the same store', async () => {
    const store = createMemoryStore();
    createRateLimiter(store, { name: 'r', points: 3, windowSeconds: 1 });
    expect(() => createRateLimiter(store, { name: 'r', points: 4, windowSeconds: 1 })).toThrow(
      /already in use/,
    );
    await store.close();
  });

  it('refuses a store it did not make', async () => {
    const store = createMemoryStore();
    const wrapper = { ...store };
    expect(() => createRateLimiter(wrapper, { name: 'r', points: 1, windowSeconds: 1 })).toThrow(TypeError);
    await store.close();
  });
});
