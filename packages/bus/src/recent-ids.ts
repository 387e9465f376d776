/**
 * Remembers ids seen within a time window, with a hard cap on how many, so deduplication never grows
 * without bound. Ids are kept in first-seen order (Map insertion order), which is also expiry order, so
 * eviction only ever looks at the oldest entries.
 */
/** JetStream's default duplicate_window; both buses use it unless configured. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

export interface RecentIds {
  /** Records the id and returns false, or returns true when it was already seen within the window. */
  seen(id: string): boolean;
  readonly size: number;
}

export interface RecentIdsOptions {
  windowMs: number;
  /** Oldest ids are forgotten beyond this many, even inside the window. */
  maxSize: number;
  now?: () => number;
}

export function createRecentIds({ windowMs, maxSize, now = Date.now }: RecentIdsOptions): RecentIds {
  const firstSeen = new Map<string, number>();

  function evict(at: number): void {
    for (const [id, time] of firstSeen) {
      if (firstSeen.size <= maxSize && at - time < windowMs) break;
      firstSeen.delete(id);
    }
  }

  return {
    seen(id) {
      const at = now();
      evict(at);
      if (firstSeen.has(id)) return true;
      firstSeen.set(id, at);
      if (firstSeen.size > maxSize) evict(at);
      return false;
    },
    get size() {
      return firstSeen.size;
    },
  };
}
