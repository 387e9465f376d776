import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { internalsOf } from './internal.ts';
import type { StoreInternals } from './internal.ts';
import type { KeyValueStore, RateLimitDecision, RateLimiter, RateLimitRule } from './port.ts';

type MemoryInternals = Extract<StoreInternals, { kind: 'memory' }>;

// Memory limiters are shared per store and rule name, so two limiters for one rule in one process spend
// one budget, just as two processes do through Redis.
const memoryLimiters = new WeakMap<
  KeyValueStore,
  Map<string, { rule: RateLimitRule; limiter: RateLimiterMemory }>
>();

/** Fixed-window limiter on the store's backend: Redis when the store is Redis, so the budget is global. */
export function createRateLimiter(store: KeyValueStore, rule: RateLimitRule): RateLimiter {
  assertRule(rule);
  const internals = internalsOf(store);
  if (!internals) {
    throw new TypeError('createRateLimiter needs a store made by createMemoryStore or createRedisStore');
  }
  const limiter =
    internals.kind === 'redis'
      ? // ioredis already prepends the store's prefix to every key, the limiter's included.
        new RateLimiterRedis({
          storeClient: internals.client,
          keyPrefix: rule.name,
          points: rule.points,
          duration: rule.windowSeconds,
        })
      : memoryLimiter(store, internals, rule);

  return {
    async consume(key, points = 1) {
      if (!Number.isInteger(points) || points <= 0)
        throw new RangeError(`Rate limit '${rule.name}': points to spend must be a positive integer`);
      if (internals.kind === 'memory' && internals.isClosed()) throw new Error('Memory store is closed');
      try {
        const res = await limiter.consume(key, points);
        return { allowed: true, remaining: res.remainingPoints, retryAfterMs: 0 };
      } catch (err) {
        // rate-limiter-flexible rejects with a RateLimiterRes when the limit is hit, and with an Error when
        // the store fails; only the first is a decision.
        if (err instanceof RateLimiterRes) return denied(err);
        throw err;
      }
    },
  };
}

function denied(res: RateLimiterRes): RateLimitDecision {
  // Never 0 when denied: a caller sending Retry-After: 0 would invite an immediate retry.
  return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, res.msBeforeNext) };
}

function memoryLimiter(
  store: KeyValueStore,
  internals: MemoryInternals,
  rule: RateLimitRule,
): RateLimiterAbstract {
  let byName = memoryLimiters.get(store);
  if (!byName) {
    byName = new Map();
    memoryLimiters.set(store, byName);
  }
  const existing = byName.get(rule.name);
  if (existing) {
    if (existing.rule.points !== rule.points || existing.rule.windowSeconds !== rule.windowSeconds) {
      throw new Error(`Rate limit rule '${rule.name}' is already in use with different points or window`);
    }
    return existing.limiter;
  }
  const limiter = new RateLimiterMemory({
    keyPrefix: internals.keyPrefix + rule.name,
    points: rule.points,
    duration: rule.windowSeconds,
  });
  byName.set(rule.name, { rule: { ...rule }, limiter });
  return limiter;
}

function assertRule(rule: RateLimitRule): void {
  if (!rule.name) throw new RangeError('Rate limit rule needs a name');
  if (!Number.isInteger(rule.points) || rule.points <= 0) {
    throw new RangeError(`Rate limit rule '${rule.name}': points must be a positive integer`);
  }
  // The Redis limiter keeps whole seconds; a fractional window would silently differ between backends.
  if (!Number.isInteger(rule.windowSeconds) || rule.windowSeconds <= 0) {
    throw new RangeError(`Rate limit rule '${rule.name}': windowSeconds must be a positive integer`);
  }
}
