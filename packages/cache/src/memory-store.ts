import { assertTtl, attachInternals } from './internal.ts';
import type { KeyValueStore } from './port.ts';

export interface MemoryStoreOptions {
  keyPrefix?: string;
  /** Injectable clock so tests can expire keys without sleeping. */
  now?: () => number;
}

interface Entry {
  value: string;
  /** Epoch ms; undefined means no expiry. */
  expiresAt: number | undefined;
}

// Reads expire lazily so they are exact; the sweep only bounds memory for keys nobody reads again.
const SWEEP_INTERVAL_MS = 30_000;

const INTEGER = /^-?\d+$/;

/** Runs synchronously but reports a throw as a rejection, as the async port promises. */
function run<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

/** Single-process store for embedded mode: a Map with per-key expiry. */
export function createMemoryStore(options: MemoryStoreOptions = {}): KeyValueStore {
  const prefix = options.keyPrefix ?? '';
  const now = options.now ?? (() => Date.now());
  const entries = new Map<string, Entry>();
  let closed = false;

  const isExpired = (entry: Entry, at: number) => entry.expiresAt !== undefined && entry.expiresAt <= at;

  const sweep = () => {
    const at = now();
    for (const [key, entry] of entries) if (isExpired(entry, at)) entries.delete(key);
  };
  const sweepTimer = setInterval(sweep, SWEEP_INTERVAL_MS);
  // The sweep is housekeeping; it must not keep the process alive.
  sweepTimer.unref();

  const assertOpen = () => {
    if (closed) throw new Error('Memory store is closed');
  };

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && isExpired(entry, now())) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const expiryFor = (ttlMs: number | undefined) => {
    if (ttlMs === undefined) return undefined;
    assertTtl(ttlMs);
    return now() + ttlMs;
  };

  const store: KeyValueStore = {
    kind: 'memory',

    get: (key) =>
      run(() => {
        assertOpen();
        return live(prefix + key)?.value ?? null;
      }),

    set: (key, value, setOptions) =>
      run(() => {
        assertOpen();
        // Like Redis SET: a set without a TTL clears any earlier expiry.
        entries.set(prefix + key, { value, expiresAt: expiryFor(setOptions?.ttlMs) });
      }),

    setIfAbsent: (key, value, { ttlMs }) =>
      run(() => {
        assertOpen();
        const expiresAt = expiryFor(ttlMs);
        if (live(prefix + key)) return false;
        entries.set(prefix + key, { value, expiresAt });
        return true;
      }),

    delete: (key) =>
      run(() => {
        assertOpen();
        entries.delete(prefix + key);
      }),

    increment: (key, { ttlMs }) =>
      run(() => {
        assertOpen();
        const expiresAt = expiryFor(ttlMs);
        const entry = live(prefix + key);
        if (!entry) {
          entries.set(prefix + key, { value: '1', expiresAt });
          return 1;
        }
        const next = Number(entry.value) + 1;
        // Same refusal as Redis INCR, so code that works embedded also works against Redis.
        if (!INTEGER.test(entry.value) || !Number.isSafeInteger(next)) {
          throw new Error(`Value at '${key}' is not an integer or out of range`);
        }
        // The TTL belongs to the key's creation; later increments keep it.
        entry.value = String(next);
        return next;
      }),

    ping: () => run(assertOpen),

    close: () =>
      run(() => {
        closed = true;
        clearInterval(sweepTimer);
        entries.clear();
      }),
  };

  return attachInternals(store, {
    kind: 'memory',
    keyPrefix: prefix,
    isClosed: () => closed,
    size: () => entries.size,
  });
}
