import type { LookupFunction } from 'node:net';

export interface SafeFetchOptions {
  /** Ports a URL (or a redirect) may name; default [80, 443]. */
  ports?: number[];
  /** Redirects followed before TOO_MANY_REDIRECTS; default 5. */
  maxRedirects?: number;
  /** From the start of a hop to its TCP connection (DNS included); default 5 000 ms. */
  connectTimeoutMs?: number;
  /** The whole fetch: every hop, and the body; default 10 000 ms. */
  totalTimeoutMs?: number;
  /** Decoded body bytes kept; more is TOO_LARGE. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Content types read, exact ('text/html') or by family ('image/'); others are UNSUPPORTED_TYPE. */
  acceptTypes?: string[];
  userAgent?: string;
  /**
   * Test deployments only: addresses or CIDRs ('127.0.0.1/32', '::1/128') fetched although private.
   * Never set by default; an embedder in production leaves it empty.
   */
  allowAddresses?: string[];
  /** Aborts every fetch of this fetcher (a worker shutting down); fetches fail with ABORTED. */
  signal?: AbortSignal;
  /** For tests: the DNS lookup hosts are resolved with (as dns.lookup); the guard checks its answers. */
  lookup?: LookupFunction;
}

export interface FetchCallOptions {
  maxBodyBytes?: number;
  acceptTypes?: string[];
  signal?: AbortSignal;
  method?: 'GET';
  /** Sent to the requested URL's origin only: a redirect elsewhere does not carry them. */
  headers?: Record<string, string>;
}

export const DEFAULT_ACCEPT_TYPES = [
  'text/html',
  'application/xhtml+xml',
  'image/',
  'video/',
  'audio/',
  'application/json',
];

export const DEFAULT_USER_AGENT = 'GoChat-Embedder/1.0 (+https://github.com/gochat)';

export type ResolvedOptions = Required<Omit<SafeFetchOptions, 'signal' | 'lookup' | 'ports'>> &
  Pick<SafeFetchOptions, 'signal' | 'lookup'> & { ports: ReadonlySet<number> };

/** Defaults filled in; a nonsensical option is a programming error and throws a TypeError. */
export function resolveOptions(options: SafeFetchOptions): ResolvedOptions {
  const resolved = {
    ports: new Set(options.ports ?? [80, 443]),
    maxRedirects: options.maxRedirects ?? 5,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    totalTimeoutMs: options.totalTimeoutMs ?? 10_000,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    acceptTypes: options.acceptTypes ?? DEFAULT_ACCEPT_TYPES,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    allowAddresses: options.allowAddresses ?? [],
    signal: options.signal,
    lookup: options.lookup,
  };
  for (const port of resolved.ports) requireInteger('ports', port, 1, 65_535);
  requireInteger('maxRedirects', resolved.maxRedirects, 0);
  requireInteger('connectTimeoutMs', resolved.connectTimeoutMs, 1);
  requireInteger('totalTimeoutMs', resolved.totalTimeoutMs, 1);
  requireInteger('maxBodyBytes', resolved.maxBodyBytes, 0);
  return resolved;
}

export function requireInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`${name}: ${value} is not an integer from ${min} to ${max}`);
  }
}
