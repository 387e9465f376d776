import { silentLogger } from '@gochat/log';
import { realServer, uniqueName } from '@gochat/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { describePresenceContract } from './presence.contract.ts';
import { REMOVE } from './redis-scripts.ts';
import { createRedisPresenceStore } from './redis-store.ts';

const url = await realServer('redis');
// Every key this file creates lives under this prefix, so cleanup can find them all.
const runPrefix = `${uniqueName('gochat_presence_test')}:`;

let time = 1_700_000_000_000;
const clock = { now: () => time, advance: (ms: number) => void (time += ms) };

describe.runIf(url)('redis presence store', () => {
  const makeStore = (namespace: string, userRetentionMs?: number) =>
    createRedisPresenceStore({
      url: url!,
      keyPrefix: runPrefix + namespace,
      log: silentLogger,
      now: clock.now,
      userRetentionMs,
    });

  // A client without a prefix, to look at the keys as Redis holds them.
  const raw = new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const keysUnder = async (prefix: string) => {
    const keys: string[] = [];
    for await (const batch of raw.scanStream({ match: `${prefix}*`, count: 500 }))
      keys.push(...(batch as string[]));
    return keys.sort();
  };

  afterAll(async () => {
    const keys = await keysUnder(runPrefix);
    if (keys.length > 0) await raw.del(...keys);
    expect(await keysUnder(runPrefix)).toEqual([]);
    await raw.quit();
  });

  describePresenceContract((namespace) => makeStore(namespace), clock);

  describe('layout', () => {
    it('keeps every key under the prefix and leaves only the retained user hash after the last device', async () => {
      const store = await makeStore('layout:', 60_000);
      const prefix = `${runPrefix}layout:`;
      await store.connect({
        userId: 'alice',
        deviceId: 'd|1',
        status: 'dnd',
        customStatus: 'focus',
        audience: ['g1'],
        ttlMs: 30_000,
      });
      expect(await keysUnder(prefix)).toEqual([
        `${prefix}devices:alice`,
        `${prefix}expiry`,
        `${prefix}user:alice`,
      ]);
      expect(await raw.zrange(`${prefix}expiry`, 0, -1, 'WITHSCORES')).toEqual([
        'alice|d|1',
        String(clock.now() + 30_000),
      ]);
      expect(await raw.hgetall(`${prefix}devices:alice`)).toEqual({ 'd|1': 'dnd' });
      expect(await raw.hgetall(`${prefix}user:alice`)).toEqual({ customStatus: 'focus', audience: '["g1"]' });
      // No expiry on the user hash while a device is connected.
      expect(await raw.pttl(`${prefix}user:alice`)).toBe(-1);

      // A device id containing the separator still splits right in the sweep.
      clock.advance(30_000);
      expect(await store.sweep()).toMatchObject([{ userId: 'alice', after: { status: 'offline' } }]);
      expect(await keysUnder(prefix)).toEqual([`${prefix}user:alice`]);
      const ttl = await raw.pttl(`${prefix}user:alice`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);

      // Reconnecting keeps the custom status and drops the expiry again.
      const back = await store.connect({
        userId: 'alice',
        deviceId: 'd2',
        status: 'online',
        audience: [],
        ttlMs: 30_000,
      });
      expect(back?.after.customStatus).toBe('focus');
      expect(await raw.pttl(`${prefix}user:alice`)).toBe(-1);
      await store.close();
    });

    it('lets a sweeper remove only a device still expired when its removal runs', async () => {
      // The sweep lists candidates first; a heartbeat may land before the removal. Run the removal with a
      // time at which the device is live, as a sweeper holding a stale candidate would.
      const store = await makeStore('stale:');
      await store.connect({ userId: 'alice', deviceId: 'd1', status: 'online', audience: [], ttlMs: 1_000 });
      const scripted = new Redis(url!, { keyPrefix: `${runPrefix}stale:`, maxRetriesPerRequest: 2 });
      scripted.defineCommand('remove', { lua: REMOVE, numberOfKeys: 3 });
      const remove = (at: number) =>
        (scripted as unknown as { remove: (...args: string[]) => Promise<unknown> }).remove(
          'expiry',
          'devices:alice',
          'user:alice',
          'alice',
          'd1',
          String(at),
          '60000',
          'expire',
        );
      expect(await remove(clock.now() + 999)).toBeNull();
      expect(await store.deviceCount('alice')).toBe(1);
      expect(await remove(clock.now() + 1_000)).toEqual(['online', null, 'offline', null, '[]']);
      expect(await remove(clock.now() + 1_000)).toBeNull();
      await scripted.quit();
      await store.close();
    });

    it('gives setAudience on a user without devices the retention expiry', async () => {
      const store = await makeStore('audience:', 5_000);
      await store.setAudience('bob', ['g1']);
      const ttl = await raw.pttl(`${runPrefix}audience:user:bob`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5_000);
      await store.close();
    });
  });
});
