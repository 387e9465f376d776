/**
 * bench:media's real-servers layout, as e2e/media-servers.e2e.ts runs it: a throwaway database on the
 * real PostgreSQL, a private NATS stream and Redis prefix (e2e/support.ts realServersNamespace), and
 * one `gochat start <role>` process per role: the four subgraphs, then the router, then the media
 * janitor. Unlike e2e/role-processes.ts, every process gets `npm start`'s Node flags, so its memory
 * compares with the embedded process's.
 */
import { ROLE_NAMES, roleSpec, subgraphOf } from '../cli/registry.ts';
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

/** Every started role's process, by role name. */
export type RoleProcesses = Map<string, GochatProcess>;

/**
 * Starts the subgraphs of the role registry (in parallel), the router on `routerPort`, then the
 * workers the `all` group runs, all on `env`. Each process is pushed to `processes` as soon as it
 * listens, so the caller stops it even if a later one fails.
 */
export async function startRoles(
  env: Record<string, string>,
  routerPort: number,
  nodeArgs: string[],
  processes: GochatProcess[],
): Promise<RoleProcesses> {
  let worker = 1;
  const started: RoleProcesses = new Map();
  const start = async (role: string, port: number, extra: Record<string, string> = {}) => {
    const proc = await startGochat({
      role,
      env: { ...env, ...extra, PORT: String(port), WORKER_ID: String(worker++) },
      nodeArgs,
      timeoutMs: 120_000,
    });
    processes.push(proc);
    started.set(role, proc);
    return proc;
  };
  const kinds = (kind: string) => ROLE_NAMES.filter((name) => roleSpec(name).serves.kind === kind);
  const subgraphs = await Promise.all(kinds('subgraph').map((role) => start(role, 0)));
  // The router reaches each subgraph at <NAME>_URL.
  const urls = Object.fromEntries(
    kinds('subgraph').map((role, i) => [
      `${subgraphOf(roleSpec(role))!.toUpperCase()}_URL`,
      subgraphs[i]!.url,
    ]),
  );
  await start(kinds('router')[0]!, routerPort, urls);
  for (const role of kinds('worker')) await start(role, 0);
  return started;
}

/** The role that serves a subgraph, by the subgraph's name (from the registry). */
export function subgraphRole(subgraph: string): string {
  const role = ROLE_NAMES.find((name) => subgraphOf(roleSpec(name)) === subgraph);
  if (!role) throw new Error(`no role serves the ${subgraph} subgraph`);
  return role;
}

/** The router's role name (from the registry). */
export const routerRole = (): string => ROLE_NAMES.find((name) => roleSpec(name).serves.kind === 'router')!;

/** A started role's process; the bench asks only for roles the registry has. */
export function roleProcess(roles: RoleProcesses, role: string): GochatProcess {
  const proc = roles.get(role);
  if (!proc) throw new Error(`no ${role} process was started`);
  return proc;
}
