import net from 'node:net';

/**
 * Real servers used by *.int.test.ts and e2e tests. Addresses come from the environment so CI and a
 * developer's machine can differ; the defaults match the loopback services these machines run.
 *
 * When GOCHAT_TEST_SERVERS=required (set by .ci/run), a missing server fails the run. Otherwise the
 * suite is skipped and the reason printed, so a laptop without NATS can still run the rest.
 */
export type ServerKind = 'postgres' | 'nats' | 'redis' | 'etcd';

const DEFAULTS: Record<ServerKind, { env: string; url: string }> = {
  postgres: { env: 'TEST_DATABASE_URL', url: 'postgres://postgres@127.0.0.1:5432/postgres' },
  nats: { env: 'TEST_NATS_URL', url: 'nats://127.0.0.1:4222' },
  redis: { env: 'TEST_REDIS_URL', url: 'redis://127.0.0.1:6379' },
  etcd: { env: 'TEST_ETCD_URL', url: 'http://127.0.0.1:2379' },
};

export const serversRequired = process.env.GOCHAT_TEST_SERVERS === 'required';

export function serverUrl(kind: ServerKind): string {
  const { env, url } = DEFAULTS[kind];
  return process.env[env] ?? url;
}

function probe(url: string, timeoutMs = 1500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const cache = new Map<ServerKind, Promise<string | null>>();

/**
 * Resolves to the server's URL when it answers, or null when the suite should be skipped.
 * Throws when servers are required (CI) and this one does not answer.
 */
export function realServer(kind: ServerKind): Promise<string | null> {
  let pending = cache.get(kind);
  if (!pending) {
    pending = (async () => {
      const url = serverUrl(kind);
      if (await probe(url)) return url;
      const reason = `${kind} is not reachable at ${url} (set ${DEFAULTS[kind].env})`;
      if (serversRequired) throw new Error(`${reason}; GOCHAT_TEST_SERVERS=required, so this fails the run.`);
      console.warn(`[skip] ${reason}: skipping the suites that need it.`);
      return null;
    })();
    cache.set(kind, pending);
  }
  return pending;
}

/** A name no other test run will use: for databases, NATS subject prefixes, Redis key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
