import type { Redis } from 'ioredis';

import type { KeyValueStore } from './port.ts';
import type { RedisStoreOptions } from './redis-store.ts';
import type { connectRedis as ConnectRedis } from './connect-redis.ts';

export type { KeyValueStore, RateLimitDecision, RateLimiter, RateLimitRule } from './port.ts';
export { createMemoryStore } from './memory-store.ts';
export type { MemoryStoreOptions } from './memory-store.ts';
export type { RedisStoreOptions } from './redis-store.ts';
export { createRateLimiter } from './rate-limiter.ts';
export type { RedisConnection } from './connect-redis.ts';

// ioredis is imported on first use: an embedded process never loads it (decision 0037).

export async function createRedisStore(options: RedisStoreOptions): Promise<KeyValueStore> {
  const redis = await import('./redis-store.ts');
  return redis.createRedisStore(options);
}

export async function connectRedis(options: Parameters<typeof ConnectRedis>[0]): Promise<Redis> {
  const redis = await import('./connect-redis.ts');
  return redis.connectRedis(options);
}
