import type { Logger } from '@gochat/log';
import { connectRedis, type RedisConnection } from './connect-redis.ts';
import { assertTtl, attachInternals } from './internal.ts';
import type { KeyValueStore } from './port.ts';

export interface RedisStoreOptions extends RedisConnection {
  /** Prepended by ioredis to every key, including the rate limiter's. */
  keyPrefix: string;
  log: Logger;
}

/** Connects before resolving, so a wrong URL or a down server fails startup with a clear message. */
export async function createRedisStore(options: RedisStoreOptions): Promise<KeyValueStore> {
  const client = await connectRedis(options);

  const store: KeyValueStore = {
    kind: 'redis',

    get: (key) => client.get(key),

    async set(key, value, setOptions) {
      if (setOptions?.ttlMs === undefined) {
        await client.set(key, value);
        return;
      }
      assertTtl(setOptions.ttlMs);
      await client.set(key, value, 'PX', setOptions.ttlMs);
    },

    async setIfAbsent(key, value, { ttlMs }) {
      assertTtl(ttlMs);
      return (await client.set(key, value, 'PX', ttlMs, 'NX')) === 'OK';
    },

    async delete(key) {
      await client.del(key);
    },

    async increment(key, { ttlMs }) {
      assertTtl(ttlMs);
      // One transaction: SET NX gives the key its TTL only when it is created, and INCR keeps an existing
      // TTL, so the expiry is never lost (no window between INCR and PEXPIRE) and never pushed back.
      const results = await client.multi().set(key, '0', 'PX', ttlMs, 'NX').incr(key).exec();
      const [err, value] = results?.[1] ?? [new Error('Redis transaction was aborted'), null];
      if (err) throw err;
      if (typeof value !== 'number') throw new Error(`Unexpected INCR reply: ${String(value)}`);
      return value;
    },

    async ping() {
      // Without this check a ping would sit in the offline queue while reconnecting; /ready wants an answer now.
      if (client.status !== 'ready') throw new Error(`Redis is not ready (status: ${client.status})`);
      await client.ping();
    },

    async close() {
      if (client.status === 'end') return;
      if (client.status !== 'ready') {
        client.disconnect();
        return;
      }
      await client.quit();
    },
  };

  return attachInternals(store, { kind: 'redis', client });
}
