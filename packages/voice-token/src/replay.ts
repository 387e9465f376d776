import { ExpiryHeap } from './expiry-heap.ts';

export interface ReplayGuardOptions {
  /** The clock, in milliseconds. Give the guard the verifier's clock. */
  now?: () => number;
  /** Most token ids remembered at once (100 000). */
  maxEntries?: number;
}

export interface ReplayGuard {
  /**
   * True the first time `tokenId` is seen, false for a replay while the earlier use is unexpired.
   * An `expiresAt` already past is refused too: there is nothing left to admit.
   */
  admit(tokenId: string, expiresAt: Date): boolean;
  /** Token ids remembered now. */
  readonly size: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * An in-memory, single-process set of used token ids. Entries are forgotten once they expire (a
 * replay after that is refused as expired by the verifier anyway), pruned on every call, so memory
 * follows the number of live tokens. Past `maxEntries`, the entry closest to expiring is evicted:
 * refusing new tokens instead would let a flood of joins lock every user out of voice, while the
 * evicted token has the least time left to be replayed in.
 */
export function createReplayGuard(options: ReplayGuardOptions = {}): ReplayGuard {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('maxEntries must be a positive whole number');
  }
  // Every id in `seen` is in `byExpiry` exactly once and vice versa: ids are pushed only when
  // absent, and leave both together.
  const seen = new Set<string>();
  const byExpiry = new ExpiryHeap();

  function forgetExpired(at: number): void {
    for (let top = byExpiry.peek(); top !== undefined && top.expiresAt <= at; top = byExpiry.peek()) {
      seen.delete(top.id);
      byExpiry.pop();
    }
  }

  return {
    admit(tokenId, expiresAt) {
      if (typeof tokenId !== 'string' || tokenId.length === 0) {
        throw new TypeError('tokenId must be a non-empty string');
      }
      const expiry = expiresAt instanceof Date ? expiresAt.getTime() : Number.NaN;
      if (!Number.isFinite(expiry)) throw new TypeError('expiresAt must be a valid Date');
      const at = now();
      forgetExpired(at);
      if (seen.has(tokenId) || expiry <= at) return false;
      if (seen.size >= maxEntries) {
        const evicted = byExpiry.pop();
        if (evicted !== undefined) seen.delete(evicted.id);
      }
      seen.add(tokenId);
      byExpiry.push({ id: tokenId, expiresAt: expiry });
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}
