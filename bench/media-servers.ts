/**
 * bench:media's real-servers layout, as e2e/media-servers.e2e.ts runs it: a throwaway database on the
 * real PostgreSQL, a private NATS stream and Redis prefix (e2e/support.ts realServersNamespace), and
 * one `gochat start <role>` process per role: the four subgraphs, then the router, then the media
 * janitor. Unlike e2e/role-processes.ts, every process gets `npm start`'s Node flags, so its memory
 * compares with the embedded process's.
 */
import {
  createTestDatabase,
  dropTestDatabase,
  realServer,
  startGochat,
  type GochatProcess,
} from '@gochat/testkit';

import { realServersNamespace } from '../e2e/support.ts';

export interface RealServerUrls {
  postgres: string;
  nats: string;
  redis: string;
}

/** The shared servers' URLs, or an error naming the ones that do not answer. */
export async function realServerUrls(): Promise<RealServerUrls> {
  const [postgres, nats, redis] = await Promise.all([
    realServer('postgres'),
    realServer('nats'),
    realServer('redis'),
  ]);
  if (!postgres || !nats || !redis)
    throw new Error(
      'the real-servers mode needs PostgreSQL, NATS and Redis (TEST_DATABASE_URL, TEST_NATS_URL, ' +
        'TEST_REDIS_URL, or their loopback defaults)',
    );
  return { postgres, nats, redis };
}

/** A throwaway database and a private NATS stream and Redis prefix; remove() takes them away again. */
export interface RealServersScope {
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function realServersScope(urls: RealServerUrls): Promise<RealServersScope> {
  const databaseUrl = await createTestDatabase(urls.postgres);
  const namespace = realServersNamespace('bench_media', { nats: urls.nats, redis: urls.redis });
  return {
    env: { ...namespace.env, DATABASE_URL: databaseUrl },
    async remove() {
      await dropTestDatabase(urls.postgres, databaseUrl);
      await namespace.remove();
    },
  };
}

export interface RoleProcesses {
  accounts: GochatProcess;
  media: GochatProcess;
  router: GochatProcess;
}

/**
 * Starts the subgraphs (in parallel), the router on `routerPort`, then worker:media-janitor, all on
 * `env` (worker ids as e2e/role-processes.ts and e2e/media-servers.e2e.ts give them). Each process is
 * pushed to `processes` as soon as it listens, so the caller stops it even if a later one fails.
 */
export async function startRoles(
  env: Record<string, string>,
  routerPort: number,
  nodeArgs: string[],
  processes: GochatProcess[],
): Promise<RoleProcesses> {
  let worker = 1;
  const start = async (role: string, port: number, extra: Record<string, string> = {}) => {
    const workerId = role === 'worker:media-janitor' ? 20 : worker++;
    const proc = await startGochat({
      role,
      env: { ...env, ...extra, PORT: String(port), WORKER_ID: String(workerId) },
      nodeArgs,
      timeoutMs: 120_000,
    });
    processes.push(proc);
    return proc;
  };
  const [accounts, guilds, messages, media] = await Promise.all([
    start('subgraph:accounts', 0),
    start('subgraph:guilds', 0),
    start('subgraph:messages', 0),
    start('subgraph:media', 0),
  ]);
  const router = await start('router', routerPort, {
    ACCOUNTS_URL: accounts.url,
    GUILDS_URL: guilds.url,
    MESSAGES_URL: messages.url,
    MEDIA_URL: media.url,
  });
  await start('worker:media-janitor', 0);
  return { accounts, media, router };
}
