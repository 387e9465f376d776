/**
 * GoChat under bench:fanout: the embedded monolith (one process, PGlite, memory bus), or real servers
 * (each subgraph role and the router in their own processes, on a scratch PostgreSQL database, a
 * private JetStream stream and a Redis key prefix). Users sign up through the router like clients.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  CreateChannelDocument,
  CreateGuildDocument,
  createVerifiedUser,
  freePort,
  gqlOk,
  joinGuild,
  logMailbox,
  realServer,
  startGochat,
  type GochatProcess,
  type Mailbox,
} from '@gochat/testkit';
import { Redis } from 'ioredis';

import { subgraphSchemas } from '../../cli/registry.ts';
import { SECRETS, UNLIMITED_WRITES, yamlConfig } from '../../e2e/support.ts';
import { operation, SEND } from '../gochat-client.ts';
import { createScratchDatabase } from '../scratch-database.ts';
import { inspectorUrl, SOCKET_PROCESS_FLAGS } from './inspector.ts';
import { metricSum } from './proc.ts';
import { CHANNEL_EVENTS, type Counters, type Target } from './target.ts';

/**
 * Limits raised so one address can sign up the users, a few users can hold many sockets (each with one
 * subscription: maxOperationsPerUser counts them all) and send fast, and the owner can invite every
 * member (router.rateLimits).
 */
const BASE_CONFIG = `
accounts:
  jwtTtl: 2h
  rateLimit:
    strict: { points: 100000, windowSeconds: 60 }
    general: { points: 100000, windowSeconds: 60 }
messages:
  sendRate: { points: 1000000, windowSeconds: 1 }
router:
  limits:
    maxConnectionsPerUser: 100000
    maxOperationsPerUser: 100000
`;
const CONFIG = yamlConfig(BASE_CONFIG, UNLIMITED_WRITES);

type Cleanup = () => Promise<unknown>;

export interface GochatOptions {
  senders: number;
  /** Users whose JWTs the subscriber connections use, round robin. */
  subscriberUsers: number;
}

function tempConfig(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-bench-fanout-'));
  const file = path.join(dir, 'gochat.yaml');
  fs.writeFileSync(file, CONFIG);
  return { dir, file };
}

/** Runs the cleanups in reverse order, reporting (not throwing) each failure. */
async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => console.error(e));
  cleanups.length = 0;
}

async function gochatTarget(
  label: string,
  routerUrl: string,
  mailbox: Mailbox,
  router: () => GochatProcess,
  others: () => GochatProcess[],
  options: GochatOptions,
  cleanups: Cleanup[],
  restart?: () => Promise<void>,
): Promise<Target> {
  const users = await Promise.all(
    Array.from({ length: options.senders + options.subscriberUsers }, (_, i) =>
      createVerifiedUser(routerUrl, mailbox, { displayName: `Fanout ${i}` }),
    ),
  );
  const owner = users[0]!;
  const { createGuild } = await gqlOk(routerUrl, CreateGuildDocument, { name: 'Fanout guild' }, owner.jwt);
  const { createChannel } = await gqlOk(
    routerUrl,
    CreateChannelDocument,
    { guildId: createGuild.id, name: 'fanout' },
    owner.jwt,
  );
  for (const member of users.slice(1)) await joinGuild(routerUrl, owner.jwt, createGuild.id, member.jwt);
  const channelId = createChannel.id;
  const senders = users
    .slice(0, options.senders)
    .map((u) => operation<unknown, { channelId: string; content: string }>(routerUrl, SEND, u.jwt));
  const subscribers = users.slice(options.senders);
  return {
    label,
    wsUrl: `${routerUrl.replace(/^http/, 'ws')}/graphql`,
    socketPid: () => router().child.pid!,
    inspector: () => inspectorUrl(router().lines),
    otherPids: () => others().map((p) => p.child.pid!),
    init: (i) => ({ authorization: `Bearer ${subscribers[i % subscribers.length]!.jwt}` }),
    subscription: { query: CHANNEL_EVENTS, operationName: 'Fanout', variables: { channelId } },
    senders: senders.length,
    send: async (sender, content) => {
      await senders[sender]!({ channelId, content });
    },
    counters: async (): Promise<Counters> => {
      const text = await (await fetch(`${routerUrl}/metrics`)).text();
      return {
        payloads: metricSum(text, 'gochat_router_feed_payloads_total', 'field="channelEvents"'),
        hydrations: metricSum(text, 'gochat_router_subscription_hydrations_total'),
        deliveries: metricSum(text, 'gochat_router_subscription_deliveries_total', 'field="channelEvents"'),
        connections: metricSum(text, 'gochat_router_ws_connections'),
        subscriptions: metricSum(text, 'gochat_router_active_subscriptions', 'field="channelEvents"'),
        busSubscriptions: metricSum(text, 'gochat_router_bus_subscriptions'),
      };
    },
    ...(restart ? { restartSocketServer: restart } : {}),
    stop: () => runCleanups(cleanups),
  };
}

/** `gochat start`: every role in one process on PGlite, the in-process bus and the memory cache. */
export async function startEmbedded(options: GochatOptions): Promise<Target> {
  const { dir, file } = tempConfig();
  const cleanups: Cleanup[] = [() => fs.promises.rm(dir, { recursive: true, force: true })];
  try {
    const gochat = await startGochat({
      env: {
        ...SECRETS,
        NODE_OPTIONS: SOCKET_PROCESS_FLAGS.join(' '),
        GOCHAT_CONFIG: file,
        DATA_DIR: dir,
        PORT: String(await freePort()),
      },
      timeoutMs: 120_000,
    });
    cleanups.push(() => gochat.stop('SIGTERM'));
    return await gochatTarget(
      'GoChat embedded',
      gochat.url,
      logMailbox(gochat),
      () => gochat,
      () => [],
      options,
      cleanups,
    );
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  }
}

/**
 * Real servers: `gochat start subgraph:<name>` for each subgraph and `gochat start router`, as
 * e2e/real-servers.e2e.ts runs them (the CLI starts one role per process).
 */
export async function startRealServers(options: GochatOptions): Promise<Target> {
  const [natsUrl, redisUrl] = [await realServer('nats'), await realServer('redis')];
  if (!natsUrl || !redisUrl) throw new Error('real servers need NATS and Redis on loopback');
  const { dir, file } = tempConfig();
  const cleanups: Cleanup[] = [() => fs.promises.rm(dir, { recursive: true, force: true })];
  try {
    const database = await createScratchDatabase();
    cleanups.push(database.drop);
    const stream = database.name.toUpperCase();
    cleanups.push(async () => {
      const nc = await connect({ servers: natsUrl });
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc.close();
    });
    cleanups.push(async () => {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${database.name}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    });
    const routerPort = await freePort();
    const env: Record<string, string> = {
      ...SECRETS,
      GOCHAT_CONFIG: file,
      DATA_DIR: dir,
      DATABASE_URL: database.url,
      NATS_URL: natsUrl,
      NATS_PREFIX: database.name,
      NATS_STREAM: stream,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `${database.name}:`,
      PUBLIC_URL: `http://127.0.0.1:${routerPort}`,
    };
    let worker = 1;
    const start = async (role: string, port = 0) => {
      const proc = await startGochat({
        role,
        env: {
          ...env,
          ...(role === 'router' ? { NODE_OPTIONS: SOCKET_PROCESS_FLAGS.join(' ') } : {}),
          PORT: String(port),
          WORKER_ID: String(worker++),
        },
        timeoutMs: 120_000,
      });
      cleanups.push(() => proc.stop('SIGTERM'));
      return proc;
    };
    // Every subgraph of the role registry, each in its own process; the router reaches them at <NAME>_URL.
    const names = subgraphSchemas().map((schema) => schema.name);
    const subgraphs = await Promise.all(names.map((name) => start(`subgraph:${name}`)));
    names.forEach((name, at) => (env[`${name.toUpperCase()}_URL`] = subgraphs[at]!.url));
    let router = await start('router', routerPort);
    const restart = async () => {
      await router.stop('SIGTERM');
      router = await start('router', routerPort);
    };
    return await gochatTarget(
      'GoChat real servers',
      router.url,
      logMailbox(subgraphs[names.indexOf('accounts')]!), // accounts mails the sign-up links
      () => router,
      () => subgraphs,
      options,
      cleanups,
      restart,
    );
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  }
}
