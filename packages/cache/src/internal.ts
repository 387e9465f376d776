import type { Redis } from 'ioredis';
import type { KeyValueStore } from './port.ts';

/**
 * Wiring between the stores and the rate limiter. Kept off the public KeyValueStore interface (behind a
 * non-enumerable symbol) so callers cannot reach around the port to the raw client.
 */
export type StoreInternals =
  | { kind: 'redis'; client: Redis }
  | { kind: 'memory'; keyPrefix: string; isClosed(): boolean; size(): number };

const internalsKey = Symbol('gochat.cache.internals');

export function attachInternals<T extends KeyValueStore>(store: T, internals: StoreInternals): T {
  Object.defineProperty(store, internalsKey, { value: internals, enumerable: false });
  return store;
}

export function internalsOf(store: KeyValueStore): StoreInternals | undefined {
  return (store as { [internalsKey]?: StoreInternals })[internalsKey];
}

/** Both backends reject the same TTLs, so the memory store cannot accept what Redis would refuse. */
export function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
}
