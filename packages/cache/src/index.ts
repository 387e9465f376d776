export type { KeyValueStore, RateLimitDecision, RateLimiter, RateLimitRule } from './port.ts';
export { createMemoryStore } from './memory-store.ts';
export type { MemoryStoreOptions } from './memory-store.ts';
export { createRedisStore } from './redis-store.ts';
export type { RedisStoreOptions } from './redis-store.ts';
export { createRateLimiter } from './rate-limiter.ts';
export { connectRedis } from './connect-redis.ts';
export type { RedisConnection } from './connect-redis.ts';
