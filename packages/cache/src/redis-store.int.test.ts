import { silentLogger } from '@gochat/log';
import { realServer, uniqueName } from '@gochat/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { describeKeyValueContract, describeRateLimiterContract } from './cache.contract.ts';
import { internalsOf } from './internal.ts';
import type { KeyValueStore } from './port.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { createRedisStore } from './redis-store.ts';

const url = await realServer('redis');
// Every key this file creates lives under this prefix, so cleanup can find them all.
const runPrefix = `${uniqueName('gochat_cache_test')}:`;

describe.runIf(url)('redis store', () => {
  const makeStore = (keyPrefix: string) =>
    createRedisStore({ url: url!, keyPrefix: runPrefix + keyPrefix, log: silentLogger });

  // A client without a prefix, to look at the keys as Redis holds them.
  const raw = new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const runKeys = async () => {
    const keys: string[] = [];
    for await (const batch of raw.scanStream({ match: `${runPrefix}*`, count: 500 }))
      keys.push(...(batch as string[]));
    return keys;
  };

  afterAll(async () => {
    const keys = await runKeys();
    if (keys.length > 0) await raw.del(...keys);
    expect(await runKeys()).toEqual([]);
    await raw.quit();
  });

  describeKeyValueContract('redis', makeStore);
  describeRateLimiterContract('redis', makeStore);

  describe('shared storage', () => {
    const open: KeyValueStore[] = [];
    const connect = async (keyPrefix: string) => {
      const store = await makeStore(keyPrefix);
      open.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });

    it('two connections with one prefix see the same keys', async () => {
      const a = await connect('shared-kv:');
      const b = await connect('shared-kv:');
      await a.set('k', 'v');
      expect(await b.get('k')).toBe('v');
      expect(await a.increment('n', { ttlMs: 10_000 })).toBe(1);
      expect(await b.increment('n', { ttlMs: 10_000 })).toBe(2);
      expect(await b.setIfAbsent('lock', 'b', { ttlMs: 10_000 })).toBe(true);
      expect(await a.setIfAbsent('lock', 'a', { ttlMs: 10_000 })).toBe(false);
    });

    it('two limiter instances on two connections share one budget', async () => {
      const rule = { name: 'shared:rule', points: 4, windowSeconds: 1 };
      const first = createRateLimiter(await connect('shared-rl:'), rule);
      const second = createRateLimiter(await connect('shared-rl:'), rule);
      expect((await first.consume('alice')).remaining).toBe(3);
      expect((await second.consume('alice')).remaining).toBe(2);
      expect((await first.consume('alice')).remaining).toBe(1);
      expect((await second.consume('alice')).remaining).toBe(0);
      const denied = await first.consume('alice');
      expect(denied).toMatchObject({ allowed: false, remaining: 0 });
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect((await second.consume('alice')).allowed).toBe(false);
    });

    it('survives a dropped connection and serves again after reconnecting', async () => {
      const store = await connect('reconnect:');
      await store.set('k', 'v');
      const internals = internalsOf(store);
      if (internals?.kind !== 'redis') throw new Error('expected a redis store');
      const id = await internals.client.client('ID');
      await raw.client('KILL', 'ID', String(id));
      // Queued while ioredis reconnects, then answered.
      expect(await store.get('k')).toBe('v');
      await expect(store.ping()).resolves.toBeUndefined();
      expect(await internals.client.client('ID')).not.toBe(id);
    });

    it('puts every key, the limiter keys included, under the store prefix with a TTL', async () => {
      const store = await connect('layout:');
      await store.increment('n', { ttlMs: 5_000 });
      await store.increment('n', { ttlMs: 60_000 });
      await createRateLimiter(store, { name: 'auth:sign-in', points: 2, windowSeconds: 10 }).consume('alice');

      const counter = `${runPrefix}layout:n`;
      const limiterKey = `${runPrefix}layout:auth:sign-in:alice`;
      expect((await runKeys()).filter((key) => key.startsWith(`${runPrefix}layout:`)).sort()).toEqual(
        [limiterKey, counter].sort(),
      );
      // The second increment asked for 60 s; the key keeps the 5 s it was created with.
      const counterTtl = await raw.pttl(counter);
      expect(counterTtl).toBeGreaterThan(0);
      expect(counterTtl).toBeLessThanOrEqual(5_000);
      const limiterTtl = await raw.pttl(limiterKey);
      expect(limiterTtl).toBeGreaterThan(0);
      expect(limiterTtl).toBeLessThanOrEqual(10_000);
    });
  });
});
