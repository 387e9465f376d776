import fs from 'node:fs';
import { spawn } from 'node:child_process';

import { createGoChatClient, type GoChatClient } from '@gochat/client';
import {
  ChannelEventsDocument,
  CreateGuildDocument,
  SendMessageDocument,
  ViewerFeedDocument,
  createTestDatabase,
  createVerifiedUser,
  dropTestDatabase,
  freePort,
  gqlOk,
  joinGuild,
  logMailbox,
  metricValue,
  realServer,
  uniqueName,
  wsConnect,
  type GochatProcess,
  type TestUser,
} from '@gochat/testkit';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { natsServerBinary, startPrivateNats, type PrivateNats } from './private-nats.ts';
import { RawFeedSocket } from './raw-feed-socket.ts';
import { waitForEvent } from './realtime-flow.ts';
import { settingsFlow } from './settings-flow.ts';
import { startRoleProcesses } from './role-processes.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, tempConfig } from './support.ts';

const pgUrl = await realServer('postgres');
const redisUrl = await realServer('redis');
const natsBinary = natsServerBinary();

const wsUrl = (httpUrl: string) => `${httpUrl.replace(/^http/, 'ws')}/graphql`;
const until = async (check: () => boolean | Promise<boolean>, what: () => string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const rssKb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

type ChannelEvent = { cursor?: string | null; type: string; data: Record<string, unknown> };

/**
 * Real time across router processes on real PostgreSQL, Redis and a private JetStream server (with its
 * monitoring port, to count subscriptions): resume on another router after a disconnect and after a
 * router is killed, bounded memory behind a reader that stopped, one NATS subscription per subject per
 * router, and presence of clients and routers that die without a goodbye.
 */
describe.runIf(pgUrl && redisUrl && natsBinary)('real time across routers on real servers', () => {
  let nats: PrivateNats;
  let databaseUrl: string;
  const prefix = uniqueName('rt')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const processes: GochatProcess[] = [];
  let routerA: GochatProcess;
  let routerB: GochatProcess;
  let routerC: GochatProcess;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let guildId: string;
  let channelId: string;
  const clients: GoChatClient[] = [];
  let mailbox: ReturnType<typeof logMailbox>;

  beforeAll(async () => {
    nats = await startPrivateNats(natsBinary!, { monitor: true });
    databaseUrl = await createTestDatabase(pgUrl!);
    const { file } = tempConfig(
      `${RELAXED_LIMITS}${UNLIMITED_SENDS}router:\n  limits:\n    maxWsBufferedBytes: 262144\n    maxConnectionsPerUser: 200\n  realtime:\n    presenceTtlMs: 3000\n`,
    );
    const routerPorts = [await freePort(), await freePort(), await freePort()];
    const shared: Record<string, string> = {
      ...SECRETS,
      GOCHAT_CONFIG: file,
      DATABASE_URL: databaseUrl,
      NATS_URL: nats.url,
      NATS_PREFIX: prefix,
      NATS_STREAM: prefix.toUpperCase(),
      REDIS_URL: redisUrl!,
      REDIS_PREFIX: `${prefix}:`,
      PUBLIC_URL: `http://127.0.0.1:${routerPorts[0]}`,
    };
    const { accounts, routers } = await startRoleProcesses(shared, routerPorts, processes);
    [routerA, routerB, routerC] = routers as [GochatProcess, GochatProcess, GochatProcess];

    mailbox = logMailbox(accounts);
    const signedUp = await Promise.all(
      ['Alice', 'Bob', 'Carol'].map((displayName) =>
        createVerifiedUser(routerA.url, mailbox, { displayName }),
      ),
    );
    [alice, bob, carol] = signedUp as [TestUser, TestUser, TestUser];
    const { createGuild } = await gqlOk(
      routerA.url,
      CreateGuildDocument,
      { name: 'Resume guild' },
      alice.jwt,
    );
    guildId = createGuild.id;
    channelId = createGuild.systemChannel!.id;
    for (const member of [bob, carol]) await joinGuild(routerA.url, alice.jwt, guildId, member.jwt);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) void client.dispose();
    const codes: (number | string)[] = [];
    for (const proc of processes) codes.push(await proc.stop('SIGTERM'));
    await nats?.stop();
    if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
    const redis = new Redis(redisUrl!);
    const leftovers = await redis.keys(`${prefix}:*`);
    if (leftovers.length) await redis.del(...leftovers);
    await redis.quit();
    // The router killed on purpose exited by SIGKILL; every other process drained cleanly.
    expect(codes.filter((c) => c !== 0)).toEqual(['SIGKILL']);
  }, 60_000);

  /** Sends `count` messages through `url`, 4 at a time; their texts are `${tag} <n>`. */
  async function sendMany(url: string, tag: string, count: number) {
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < count) {
          const n = next++;
          await gqlOk(url, SendMessageDocument, { channelId, content: `${tag} ${n}` }, alice.jwt);
        }
      }),
    );
  }

  /** A resuming client (the package's production defaults, quick retries) collecting one tag's messages. */
  function resumingReader(url: () => string, tag: string, webSocketImpl: unknown = WebSocket) {
    const contents: string[] = [];
    const cursors: string[] = [];
    let connections = 0;
    const client = createGoChatClient({
      url: () => wsUrl(url()),
      token: () => bob.jwt,
      webSocketImpl,
      retryBaseMs: 50,
      retryMaxMs: 300,
      onConnected: () => connections++,
    });
    clients.push(client);
    client.subscribe(
      ChannelEventsDocument,
      { channelId },
      {
        next: (data, meta) => {
          const event = data.channelEvents as ChannelEvent;
          if (event.type !== 'MessageCreated') return;
          const content = String(event.data.content);
          if (!content.startsWith(`${tag} `) && content !== `${tag}-ready`) return;
          contents.push(content);
          if (meta.cursor) cursors.push(meta.cursor);
        },
        error: (error) => {
          throw error instanceof Error ? error : new Error(JSON.stringify(error));
        },
      },
    );
    return { contents, cursors, connections: () => connections, client };
  }

  /** Waits until a reader is live: a probe message sent now reaches it. */
  async function ready(reader: { contents: string[] }, tag: string) {
    await until(
      async () => {
        await gqlOk(routerB.url, SendMessageDocument, { channelId, content: `${tag}-ready` }, alice.jwt);
        await new Promise((r) => setTimeout(r, 200));
        return reader.contents.includes(`${tag}-ready`);
      },
      () => `${tag} reader to be live`,
    );
  }

  const expected = (tag: string, count: number) => Array.from({ length: count }, (_, n) => `${tag} ${n}`);
  const messagesOf = (contents: string[], tag: string) => contents.filter((c) => c.startsWith(`${tag} `));

  it('a client cut off while 1,000 events are sent resumes on another router: each event once, in log order', async () => {
    const tag = 'cut';
    let target = routerA.url;
    const sockets: WebSocket[] = [];
    class Tracked extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets.push(this);
      }
    }
    const reader = resumingReader(() => target, tag, Tracked);
    const observer = resumingReader(() => routerB.url, tag); // never disconnected: the reference order
    await ready(reader, tag);
    await ready(observer, tag);

    const sending = sendMany(routerA.url, tag, 1_000);
    await until(
      () => messagesOf(reader.contents, tag).length >= 150,
      () => 'the first 150 messages',
    );
    target = routerB.url;
    sockets.at(-1)!.terminate(); // the network drops: no close frame
    await sending;
    await until(
      () =>
        messagesOf(reader.contents, tag).length >= 1_000 &&
        messagesOf(observer.contents, tag).length >= 1_000,
      () => `all 1,000 (reader ${messagesOf(reader.contents, tag).length})`,
    );
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive now
    const got = messagesOf(reader.contents, tag);
    expect(got).toHaveLength(1_000);
    expect([...got].sort()).toEqual([...expected(tag, 1_000)].sort());
    expect(got).toEqual(messagesOf(observer.contents, tag)); // the same order as a reader never cut off
    expect(new Set(reader.cursors).size).toBe(reader.cursors.length);
    expect(reader.connections()).toBe(2);
    expect(sockets.at(-1)!.url).toContain(new URL(routerB.url).host);
  }, 300_000); // 1,000 sends and a resume: minutes when the suite loads both cores (CI saw 120 s run out)

  it('clients of a router killed with SIGKILL mid-stream resume on another router with nothing lost, and its users go offline', async () => {
    const tag = 'kill';
    let target = routerC.url;
    const readers = Array.from({ length: 3 }, () => resumingReader(() => target, tag));
    const observer = resumingReader(() => routerB.url, tag);
    for (const reader of [...readers, observer]) await ready(reader, tag);

    // Alice watches from router B; Carol is only connected to router C (as do-not-disturb).
    const aliceWs = wsConnect(routerB.url, alice.jwt);
    const aliceFeed = aliceWs.subscribe(ViewerFeedDocument, {}) as never;
    await new Promise((r) => setTimeout(r, 300));
    const carolWs = wsConnect(routerC.url, carol.jwt, { presence: { status: 'DND' } });
    await waitForEvent(
      aliceFeed,
      (e) => e.type === 'PresenceUpdated' && e.data.userId === carol.id && e.data.status === 'dnd',
    );

    const sending = sendMany(routerB.url, tag, 1_000);
    await until(
      () => readers.every((r) => messagesOf(r.contents, tag).length >= 300),
      () => '300 messages each',
    );
    target = routerB.url;
    await routerC.stop('SIGKILL');
    await sending;
    await until(
      () => [...readers, observer].every((r) => messagesOf(r.contents, tag).length >= 1_000),
      () => `all 1,000 (${readers.map((r) => messagesOf(r.contents, tag).length).join(', ')})`,
    );
    await new Promise((r) => setTimeout(r, 300));
    for (const reader of readers) {
      expect(messagesOf(reader.contents, tag)).toEqual(messagesOf(observer.contents, tag));
      expect(new Set(reader.cursors).size).toBe(reader.cursors.length);
    }
    expect(new Set(messagesOf(observer.contents, tag)).size).toBe(1_000);

    // Nobody tells anyone carol left: her device expires (3 s TTL) and a surviving router sweeps it.
    await waitForEvent(
      aliceFeed,
      (e) => e.type === 'PresenceUpdated' && e.data.userId === carol.id && e.data.status === 'offline',
      'viewerFeed',
      15_000,
    );
    await Promise.all([carolWs.dispose(), aliceWs.dispose()]);
  }, 120_000);

  it('a reader that stops reading is cut off at a bounded buffer (4008), memory stays flat, and it resumes losing nothing', async () => {
    const tag = 'slow';
    const raw = new RawFeedSocket(routerA.url, bob.jwt);
    const subscriptions = 20; // 20 copies of each event on one socket: a lot of bytes for few sends
    for (let i = 0; i < subscriptions; i++)
      await raw.subscribe(`s${i}`, ChannelEventsDocument, { channelId });
    await until(
      async () => {
        await gqlOk(routerA.url, SendMessageDocument, { channelId, content: `${tag}-ready` }, alice.jwt);
        await new Promise((r) => setTimeout(r, 200));
        return raw.frames.length >= subscriptions;
      },
      () => 'the raw socket to be live',
    );
    const pid = routerA.child.pid!;
    const closedBefore = await metricValue(routerA.url, 'gochat_router_sockets_closed_total', {
      reason: 'slow_consumer',
    });
    const rssBefore = rssKb(pid);
    raw.pauseReading();
    const text = 'x'.repeat(1_900);
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 50);
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < 1_500) {
          const n = next++;
          // Through router B, so router A's memory reflects the fan-out alone.
          await gqlOk(
            routerB.url,
            SendMessageDocument,
            { channelId, content: `${tag} ${n} ${text}` },
            alice.jwt,
          );
        }
      }),
    );
    clearInterval(sampler);
    // 1,500 events x 20 subscriptions x ~2 KB: ~60 MB were due to this socket.
    await until(
      async () =>
        (await metricValue(routerA.url, 'gochat_router_sockets_closed_total', { reason: 'slow_consumer' })) >
        closedBefore,
      () => 'the router to close the slow socket',
    );
    const growthMb = (peak - rssBefore) / 1024;
    console.info(
      `slow reader: router RSS grew ${growthMb.toFixed(1)} MB at peak while ~60 MB were owed to it`,
    );
    expect(growthMb).toBeLessThan(40);
    raw.resumeReading();
    await raw.closed();

    // Resume with the last cursor it managed to read.
    const seen = raw.frames
      .filter((f) => f.id === 's0')
      .map((f) => f.payload.data!.channelEvents!)
      .filter((e) => e.type === 'MessageCreated' && String(e.data.content).startsWith(`${tag} `));
    expect(seen.length).toBeLessThan(1_500);
    const resumed = new RawFeedSocket(routerA.url, bob.jwt);
    await resumed.subscribe('r', ChannelEventsDocument, { channelId, after: seen.at(-1)!.cursor! });
    const rest = () =>
      resumed.frames
        .map((f) => f.payload.data!.channelEvents!)
        .filter((e) => e.type === 'MessageCreated' && String(e.data.content).startsWith(`${tag} `));
    await until(
      () => seen.length + rest().length >= 1_500,
      () => `the rest (${rest().length})`,
    );
    const numbers = [...seen, ...rest()].map((e) => Number(String(e.data.content).split(' ')[1]));
    expect(new Set(numbers).size).toBe(1_500);
    expect(numbers).toHaveLength(1_500);
    resumed.terminate();
  }, 180_000);

  it('holds one NATS subscription per subject per router, shared by its subscribers and released with the last', async () => {
    const subject = `${prefix}_live.channel.${guildId}.${channelId}.messages`;
    let lastSeen: string[] = [];
    const natsSubscriptions = async () => {
      const connz = (await (await fetch(`${nats.monitorUrl}/connz?subs=1&limit=1000`)).json()) as {
        connections: { subscriptions_list?: string[] }[];
      };
      lastSeen = connz.connections.flatMap((c) => c.subscriptions_list ?? []);
      return lastSeen.filter((s) => s === subject).length;
    };
    // Earlier tests' readers are gone: nobody listens to the channel.
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    await until(
      async () => (await natsSubscriptions()) === 0,
      () => 'earlier subscriptions to be released',
    );

    const onA = Array.from({ length: 30 }, () => wsConnect(routerA.url, bob.jwt));
    for (const ws of onA) ws.subscribe(ChannelEventsDocument, { channelId });
    await until(
      async () =>
        (await metricValue(routerA.url, 'gochat_router_active_subscriptions', { field: 'channelEvents' })) ===
        30,
      () => '30 subscriptions on A',
    );
    expect(await natsSubscriptions()).toBe(1);

    const onB = Array.from({ length: 10 }, () => wsConnect(routerB.url, bob.jwt));
    for (const ws of onB) ws.subscribe(ChannelEventsDocument, { channelId });
    await until(
      async () => (await natsSubscriptions()) === 2,
      () => 'a second router to subscribe',
    );

    await Promise.all(onA.slice(0, 29).map((ws) => ws.dispose()));
    await new Promise((r) => setTimeout(r, 300));
    expect(await natsSubscriptions()).toBe(2); // one subscriber left on A keeps A's subscription
    await onA[29]!.dispose();
    await until(
      async () => (await natsSubscriptions()) === 1,
      () => "A's subscription to be released",
    );
    await Promise.all(onB.map((ws) => ws.dispose()));
    await until(
      async () => (await natsSubscriptions()) === 0,
      () => "B's subscription to be released",
    );
  }, 60_000);

  it('a client killed with SIGKILL goes offline for its co-members at once', async () => {
    const aliceWs = wsConnect(routerB.url, alice.jwt);
    const aliceFeed = aliceWs.subscribe(ViewerFeedDocument, {}) as never;
    await new Promise((r) => setTimeout(r, 300));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'e2e/fixtures/presence-client.ts', routerA.url, carol.jwt],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await waitForEvent(
      aliceFeed,
      (e) => e.type === 'PresenceUpdated' && e.data.userId === carol.id && e.data.status === 'dnd',
    );
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await waitForEvent(
      aliceFeed,
      (e) => e.type === 'PresenceUpdated' && e.data.userId === carol.id && e.data.status === 'offline',
    );
    // The kernel closes the dead client's socket: no need to wait for the presence TTL (3 s).
    expect(Date.now() - killedAt).toBeLessThan(2_500);
    await aliceWs.dispose();
  }, 30_000);

  it('settings: two devices on two routers see each other’s changes; mutes, hidden DMs and the forced status apply', async () => {
    const [owner, me] = await Promise.all(
      ['Olive', 'Milo'].map((displayName) => createVerifiedUser(routerA.url, mailbox, { displayName })),
    );
    await settingsFlow({ a: routerA.url, b: routerB.url }, { owner: owner!, me: me! });
  }, 60_000);
});
