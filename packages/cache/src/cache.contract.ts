import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limiter.ts';
import type { KeyValueStore } from './port.ts';

/**
 * Makes a fresh store whose keys live under keyPrefix. Each test asks for its own prefixes, so tests never
 * see each other's keys; the caller adds whatever makes the prefix unique to the run.
 */
export type StoreFactory = (keyPrefix: string) => Promise<KeyValueStore>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Hands out stores and closes whatever the test left open. */
function storeTracker(makeStore: StoreFactory) {
  const open: KeyValueStore[] = [];
  let counter = 0;
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });
  return {
    /** A new test-local prefix, e.g. for two stores that must or must not share keys. */
    prefix: () => `t${++counter}:`,
    async make(keyPrefix: string): Promise<KeyValueStore> {
      const store = await makeStore(keyPrefix);
      open.push(store);
      return store;
    },
  };
}

export function describeKeyValueContract(name: string, makeStore: StoreFactory): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    const stores = storeTracker(makeStore);
    const fresh = () => stores.make(stores.prefix());

    it('gets, sets, overwrites and deletes', async () => {
      const store = await fresh();
      expect(await store.get('k')).toBeNull();
      await store.set('k', 'v1');
      expect(await store.get('k')).toBe('v1');
      await store.set('k', 'v2');
      expect(await store.get('k')).toBe('v2');
      await store.delete('k');
      expect(await store.get('k')).toBeNull();
      // Deleting a missing key is not an error.
      await store.delete('k');
    });

    it('expires a key set with a TTL', async () => {
      const store = await fresh();
      await store.set('short', 'v', { ttlMs: 150 });
      await store.set('forever', 'v');
      expect(await store.get('short')).toBe('v');
      await sleep(300);
      expect(await store.get('short')).toBeNull();
      expect(await store.get('forever')).toBe('v');
    });

    it('clears the TTL when a key is set again without one (as Redis SET does)', async () => {
      const store = await fresh();
      await store.set('k', 'v1', { ttlMs: 150 });
      await store.set('k', 'v2');
      await sleep(300);
      expect(await store.get('k')).toBe('v2');
    });

    it('setIfAbsent sets once, refuses while present, and sets again after expiry', async () => {
      const store = await fresh();
      expect(await store.setIfAbsent('lock', 'first', { ttlMs: 150 })).toBe(true);
      expect(await store.setIfAbsent('lock', 'second', { ttlMs: 150 })).toBe(false);
      expect(await store.get('lock')).toBe('first');
      await sleep(300);
      expect(await store.get('lock')).toBeNull();
      expect(await store.setIfAbsent('lock', 'third', { ttlMs: 150 })).toBe(true);
      expect(await store.get('lock')).toBe('third');
    });

    it('setIfAbsent refuses a key that was set without a TTL', async () => {
      const store = await fresh();
      await store.set('k', 'plain');
      expect(await store.setIfAbsent('k', 'other', { ttlMs: 1000 })).toBe(false);
      expect(await store.get('k')).toBe('plain');
    });

    it('increments 1, 2, 3 and the value reads back as a string', async () => {
      const store = await fresh();
      expect(await store.increment('n', { ttlMs: 10_000 })).toBe(1);
      expect(await store.increment('n', { ttlMs: 10_000 })).toBe(2);
      expect(await store.increment('n', { ttlMs: 10_000 })).toBe(3);
      expect(await store.get('n')).toBe('3');
    });

    it('keeps the TTL set at creation: later increments neither drop nor extend it', async () => {
      const store = await fresh();
      expect(await store.increment('n', { ttlMs: 300 })).toBe(1);
      await sleep(200);
      // Had this reset the TTL, the key would live until ~500 ms.
      expect(await store.increment('n', { ttlMs: 300 })).toBe(2);
      await sleep(200);
      expect(await store.get('n')).toBeNull();
      expect(await store.increment('n', { ttlMs: 300 })).toBe(1);
    });

    it('counts 200 concurrent increments exactly', async () => {
      const store = await fresh();
      const results = await Promise.all(
        Array.from({ length: 200 }, () => store.increment('hits', { ttlMs: 10_000 })),
      );
      expect(new Set(results).size).toBe(200);
      expect(Math.max(...results)).toBe(200);
      expect(Math.min(...results)).toBe(1);
      expect(await store.get('hits')).toBe('200');
    });

    it('refuses to increment a value that is not an integer', async () => {
      const store = await fresh();
      await store.set('text', 'hello');
      await expect(store.increment('text', { ttlMs: 1000 })).rejects.toThrow();
      expect(await store.get('text')).toBe('hello');
    });

    it('rejects TTLs that are not positive integers', async () => {
      const store = await fresh();
      await expect(store.set('k', 'v', { ttlMs: 0 })).rejects.toThrow(RangeError);
      await expect(store.setIfAbsent('k', 'v', { ttlMs: -1 })).rejects.toThrow(RangeError);
      await expect(store.increment('k', { ttlMs: 1.5 })).rejects.toThrow(RangeError);
      expect(await store.get('k')).toBeNull();
    });

    it('keeps keys of stores with different prefixes apart', async () => {
      const a = await fresh();
      const b = await fresh();
      await a.set('same', 'from-a');
      await b.set('same', 'from-b');
      expect(await a.get('same')).toBe('from-a');
      expect(await b.get('same')).toBe('from-b');
      expect(await a.increment('count', { ttlMs: 10_000 })).toBe(1);
      expect(await b.increment('count', { ttlMs: 10_000 })).toBe(1);
      expect(await b.setIfAbsent('only-a', 'b', { ttlMs: 10_000 })).toBe(true);
      expect(await a.setIfAbsent('only-a', 'a', { ttlMs: 10_000 })).toBe(true);
      await a.delete('same');
      expect(await a.get('same')).toBeNull();
      expect(await b.get('same')).toBe('from-b');
    });

    it('answers ping while open', async () => {
      const store = await fresh();
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('rejects every operation after close, and closing twice is harmless', async () => {
      const store = await fresh();
      await store.set('k', 'v');
      await store.close();
      await expect(store.get('k')).rejects.toThrow();
      await expect(store.set('k', 'v')).rejects.toThrow();
      await expect(store.setIfAbsent('k', 'v', { ttlMs: 1000 })).rejects.toThrow();
      await expect(store.delete('k')).rejects.toThrow();
      await expect(store.increment('n', { ttlMs: 1000 })).rejects.toThrow();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}

export function describeRateLimiterContract(name: string, makeStore: StoreFactory): void {
  describe(`RateLimiter contract: ${name}`, () => {
    const stores = storeTracker(makeStore);
    const fresh = () => stores.make(stores.prefix());
    const rule = { name: 'test:rule', points: 3, windowSeconds: 1 };

    it('allows the points in a window, then denies with a retry time', async () => {
      const limiter = createRateLimiter(await fresh(), rule);
      expect(await limiter.consume('alice')).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
      expect(await limiter.consume('alice')).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
      expect(await limiter.consume('alice')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
      for (let i = 0; i < 2; i++) {
        const decision = await limiter.consume('alice');
        expect(decision.allowed).toBe(false);
        expect(decision.remaining).toBe(0);
        expect(decision.retryAfterMs).toBeGreaterThan(0);
        expect(decision.retryAfterMs).toBeLessThanOrEqual(1000);
      }
    });

    it('keeps a budget per key', async () => {
      const limiter = createRateLimiter(await fresh(), rule);
      for (let i = 0; i < 3; i++) await limiter.consume('alice');
      expect((await limiter.consume('alice')).allowed).toBe(false);
      expect(await limiter.consume('bob')).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
    });

    it('frees up after the window', async () => {
      const limiter = createRateLimiter(await fresh(), rule);
      for (let i = 0; i < 3; i++) await limiter.consume('alice');
      const denied = await limiter.consume('alice');
      expect(denied.allowed).toBe(false);
      await sleep(denied.retryAfterMs + 100);
      expect(await limiter.consume('alice')).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
    });

    it('gives rules with different names separate budgets', async () => {
      const store = await fresh();
      const signIn = createRateLimiter(store, { ...rule, name: 'auth:sign-in' });
      const signUp = createRateLimiter(store, { ...rule, name: 'auth:sign-up' });
      for (let i = 0; i < 3; i++) await signIn.consume('alice');
      expect((await signIn.consume('alice')).allowed).toBe(false);
      expect((await signUp.consume('alice')).allowed).toBe(true);
    });

    it('shares one budget between two limiters for the same rule on one store', async () => {
      const store = await fresh();
      const first = createRateLimiter(store, rule);
      const second = createRateLimiter(store, rule);
      await first.consume('alice');
      await second.consume('alice');
      expect(await first.consume('alice')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
      expect((await second.consume('alice')).allowed).toBe(false);
    });

    it('spends several points at once, all or none', async () => {
      const limiter = createRateLimiter(await fresh(), rule);
      expect(await limiter.consume('alice', 2)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
      expect((await limiter.consume('alice', 2)).allowed).toBe(false);
      expect((await limiter.consume('bob', 4)).allowed).toBe(false);
      await expect(limiter.consume('alice', 0)).rejects.toThrow(RangeError);
    });

    it('never grants more than the points to concurrent consumers', async () => {
      const limiter = createRateLimiter(await fresh(), { ...rule, points: 5 });
      const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.consume('alice')));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    });

    it('rejects rules it cannot honour on every backend', async () => {
      const store = await fresh();
      expect(() => createRateLimiter(store, { ...rule, points: 0 })).toThrow(RangeError);
      expect(() => createRateLimiter(store, { ...rule, windowSeconds: 0.5 })).toThrow(RangeError);
      expect(() => createRateLimiter(store, { ...rule, name: '' })).toThrow(RangeError);
    });

    it('reports a closed store as an error, not as a decision', async () => {
      const store = await fresh();
      const limiter = createRateLimiter(store, rule);
      await limiter.consume('alice');
      await store.close();
      await expect(limiter.consume('alice')).rejects.toThrow(Error);
    });
  });
}
