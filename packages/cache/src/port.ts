/**
 * Ephemeral state and cache. Two implementations share one contract suite (cache.contract.ts):
 *   - memory: a Map with expiry, for embedded mode
 *   - redis:  ioredis
 * Keys are namespaced by the implementation with the configured prefix.
 */
export interface KeyValueStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: { ttlMs?: number }): Promise<void>;
  /** Sets only when the key is absent; true when it was set. */
  setIfAbsent(key: string, value: string, options: { ttlMs: number }): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Atomic increment; the TTL is applied when the key is created. Returns the new value. */
  increment(key: string, options: { ttlMs: number }): Promise<number>;
  /** Throws when the store cannot serve. Used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface RateLimitDecision {
  allowed: boolean;
  remaining: number;
  /** 0 when allowed; otherwise how long until the next point frees up. */
  retryAfterMs: number;
}

export interface RateLimiter {
  /**
   * Spends `points` (default 1, a positive integer) for the key, all or none: a denied request is
   * still counted, as every attempt in a window is. Shared across processes when the store is Redis.
   */
  consume(key: string, points?: number): Promise<RateLimitDecision>;
}

export interface RateLimitRule {
  /** Points per window. */
  points: number;
  windowSeconds: number;
  /** Namespaces this limiter's keys, e.g. 'auth:sign-in'. */
  name: string;
}
