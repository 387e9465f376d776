import type { ConnectionOptions as TlsOptions } from 'node:tls';

import type { Logger } from '@gochat/log';
import { Redis } from 'ioredis';

/** Where Redis is and how to log in; shared by the cache and the presence store. */
export interface RedisConnection {
  /** redis:// or rediss:// (TLS). Credentials in the URL win over username and password. */
  url: string;
  /** An ACL user; requires password. */
  username?: string | undefined;
  /** requirepass, or the ACL user's password. */
  password?: string | undefined;
  /** TLS options (CA, client certificate, key); set, they turn TLS on even for a redis:// URL. */
  tls?: TlsOptions | undefined;
}

// A request fails after a few reconnect attempts (well under a second) instead of hanging while Redis is down.
const MAX_RETRIES_PER_REQUEST = 2;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * An ioredis client, connected before it resolves so a wrong URL or a down server fails startup with
 * a clear message (password redacted). `prepare` runs before connecting (e.g. defineCommand).
 */
export async function connectRedis(
  options: RedisConnection & {
    keyPrefix: string;
    log: Logger;
    prepare?: (client: Redis) => void;
  },
): Promise<Redis> {
  const { log } = options;
  const where = redactUrl(options.url);
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    lazyConnect: true,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    connectTimeout: CONNECT_TIMEOUT_MS,
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  options.prepare?.(client);

  // Without a listener, ioredis reports connection errors as unhandled 'error' events.
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
    log.error({ err, redis: where }, 'Redis connection error');
  });

  try {
    await client.connect();
  } catch (err) {
    // connect() rejects but ioredis keeps reconnecting in the background; stop it so nothing leaks.
    client.disconnect();
    const cause = lastError ?? err;
    throw new Error(
      `Cannot connect to Redis at ${where}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  client.on('ready', () => log.info({ redis: where }, 'Redis connection restored'));
  return client;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}
