/**
 * A bounded map of values that each stay good until their own deadline: verified tokens until their
 * expiry, signed tokens while they have enough life left. WebCrypto signs and verifies on the libuv
 * thread pool, one hop there and back per call; on a busy 2-core machine those hops, not the crypto,
 * were most of a request's tail (docs/decisions/0036-router-request-floor.md).
 *
 * When full it forgets the oldest entry (insertion order), so memory stays bounded whatever callers
 * send; a forgotten entry only costs the crypto again.
 */
export class TokenCache<V> {
  private readonly entries = new Map<string, { value: V; untilMs: number }>();

  constructor(private readonly maxEntries: number) {}

  /** The value stored under `key` if its deadline is still ahead of `nowMs`. */
  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (nowMs < entry.untilMs) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, untilMs: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, untilMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
