/**
 * Link previews at volume (issue 16): the real embedder worker (harness, in-process memory bus, the
 * PostgreSQL message store on a scratch database, memory cache, disk blob store) unfurling messages
 * whose links point at a local page server (its own process) answering after a set delay. Reports:
 *   - a burst of `--messages` (1,000) messages for each page delay (0, 200 ms, 2 s): unfurls per
 *     second and message-to-preview latency p50/p99, next to the baseline of the same run: a bare loop
 *     of fetches (Node's fetch, same pages, same concurrency);
 *   - a steady stream (`--rate` messages/s for `--messages` messages) in which every 10th page takes
 *     2 s: the fast pages' latency p50/p99 while slow ones are in flight, next to the same stream with
 *     no slow page;
 *   - the bench process's peak RSS in each phase (the page server is another process; the database
 *     is a server).
 * Every message's link is distinct, so nothing is answered from the cache. Pages carry OpenGraph
 * tags and no picture (picture copies are bench:media's subject).
 *
 * Run: npm run bench:embeds [-- --messages 1000 --concurrency 64 --rate 100 --delays 0,200,2000 --skip-stream]
 * GOCHAT_BENCH_DATABASE_URL: the PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { createDiskBlobStore } from '@gochat/blob-store';
import { createMemoryBus } from '@gochat/bus';
import { createMemoryStore } from '@gochat/cache';
import { openDatabase } from '@gochat/db';
import { channels, guilds, user } from '@gochat/drizzle';
import { newEvent, subjects } from '@gochat/events';
import { createSnowflakeGenerator } from '@gochat/ids';
import { Lifecycle } from '@gochat/lifecycle';
import { createMetricsRegistry, silentLogger } from '@gochat/log';
import {
  createPostgresTimeline,
  NO_MENTIONS,
  type MessageTimeline,
  type NewTimelineMessage,
} from '@gochat/message-store';

import { embedsSection } from '../workers/embedder/config.ts';
import { unfurlerFromConfig } from '../workers/embedder/role.ts';
import { createEmbedder } from '../workers/embedder/worker.ts';
import { createWorkerRole, workerSection } from '../workers/harness/index.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { percentiles, type Latency } from './timing.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '64' },
    rate: { type: 'string', default: '100' },
    // Page delays of the burst phase, comma-separated; `--skip-stream` leaves the stream phase out
    // (for profiling one phase).
    delays: { type: 'string', default: '0,200,2000' },
    'skip-stream': { type: 'boolean', default: false },
  },
});
const DELAYS = args.delays.split(',').map(Number);
const MESSAGES = Number(args.messages);
const CONCURRENCY = Number(args.concurrency);
const RATE = Number(args.rate);
const GUILD = '100';
const CHANNEL = '200';

/** The page server, in its own process. */
async function startPages(): Promise<{ port: number; stop: () => void }> {
  const file = path.join(import.meta.dirname, 'embeds-pages.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`page server exited (${code})`)));
  });
  return { port: Number(line), stop: () => child.kill('SIGTERM') };
}

/** Peak RSS of this process while `run` runs, sampled every 20 ms. */
async function withPeakRss<T>(run: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const result = await run();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** The baseline: `urls` fetched by `concurrency` loops, each reading the whole body. */
async function bareFetches(
  urls: string[],
  concurrency: number,
): Promise<{ perSecond: number; latency: Latency }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < urls.length) {
        const url = urls[next++]!;
        const t0 = performance.now();
        await (await fetch(url)).text();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { perSecond: urls.length / ((performance.now() - started) / 1000), latency: percentiles(latencies) };
}

interface World {
  timeline: MessageTimeline;
  insert(messages: NewTimelineMessage[]): Promise<void>;
  publish(message: NewTimelineMessage): Promise<void>;
  /** When each message's previews were committed (performance.now()), by id. */
  done: Map<string, number>;
  close(): Promise<void>;
}

async function openWorld(port: number): Promise<World> {
  const scratch = await createScratchDatabase();
  const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-bench-embeds-'));
  const handle = await openDatabase({ url: scratch.url, dataDir: blobDir, poolSize: 10, log: silentLogger });
  await handle.migrate();
  const { db } = handle;
  await db
    .insert(user)
    .values({ id: 'bench', name: 'Bench', email: 'bench@embeds.test', emailVerified: true });
  await db.insert(guilds).values({ id: GUILD, name: 'Embeds', ownerId: 'bench' });
  await db.insert(channels).values({ id: CHANNEL, guildId: GUILD, kind: 'text', name: 'general' });
  const store = createPostgresTimeline(db);
  const done = new Map<string, number>();
  // Committed previews are recorded where commitMessageWrites reports them, after the commit.
  const timeline: MessageTimeline = {
    ...store,
    afterCommit: async (eventId, mutation) => {
      await store.afterCommit(eventId, mutation);
      if (mutation.op === 'setLinkEmbeds') done.set(mutation.id, performance.now());
    },
  };
  const bus = createMemoryBus({ log: silentLogger });
  const lifecycle = new Lifecycle(silentLogger, 30_000);
  const embeds = embedsSection.parse({ allowAddresses: ['127.0.0.1/32'], ports: [port] });
  const unfurler = unfurlerFromConfig(embeds, {
    cache: createMemoryStore(),
    blob: createDiskBlobStore({ dir: blobDir, signingKey: randomBytes(32), baseUrl: 'http://bench.invalid' }),
    log: silentLogger,
  });
  createWorkerRole(createEmbedder({ db, timeline, unfurler }), {
    bus,
    log: silentLogger,
    metrics: createMetricsRegistry({ defaultMetrics: false }),
    lifecycle,
    settings: workerSection.parse({ concurrency: CONCURRENCY }),
  });
  return {
    timeline,
    done,
    async insert(messages) {
      for (let i = 0; i < messages.length; i += 200)
        await db.transaction(async (tx) => {
          for (const message of messages.slice(i, i + 200))
            await store.stage(tx, 'bench', { op: 'insert', message });
        });
    },
    async publish(message) {
      const event = newEvent('MessageCreated', subjects.channelMessages(GUILD, CHANNEL), {
        messageId: message.id,
        channelId: CHANNEL,
        parentChannelId: CHANNEL,
        guildId: GUILD,
        authorId: 'bench',
        kind: 'default',
        content: message.content,
        replyToId: null,
        mentions: NO_MENTIONS,
        attachmentIds: [],
        embeds: [],
        linkPreviews: true,
      });
      await bus.publish({ id: randomUUID(), occurredAt: new Date().toISOString(), ...event });
    },
    async close() {
      await lifecycle.shutdown('bench over');
      await bus.drain();
      await handle.close();
      await scratch.drop();
      fs.rmSync(blobDir, { recursive: true, force: true });
    },
  };
}

const ids = createSnowflakeGenerator(7);
const messagesFor = (urls: string[]): NewTimelineMessage[] =>
  urls.map((url) => ({
    id: ids.next(),
    channelId: CHANNEL,
    parentChannelId: CHANNEL,
    guildId: GUILD,
    authorId: 'bench',
    kind: 'default',
    content: `have a look at ${url} when you can`,
    replyToId: null,
    mentions: NO_MENTIONS,
    attachments: [],
  }));

async function allDone(world: World, messages: NewTimelineMessage[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (messages.some((m) => !world.done.has(m.id))) {
    if (Date.now() > deadline)
      throw new Error(`${messages.filter((m) => !world.done.has(m.id)).length} messages got no preview`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A burst: every message published at once; throughput and latency from publish to commit. */
async function burst(world: World, urls: string[]) {
  const messages = messagesFor(urls);
  await world.insert(messages);
  const published = new Map<string, number>();
  const started = performance.now();
  for (const message of messages) {
    published.set(message.id, performance.now());
    await world.publish(message);
  }
  await allDone(world, messages, 600_000);
  const finished = Math.max(...messages.map((m) => world.done.get(m.id)!));
  return {
    perSecond: messages.length / ((finished - started) / 1000),
    latency: percentiles(messages.map((m) => world.done.get(m.id)! - published.get(m.id)!)),
  };
}

/** A steady stream at RATE messages/s; the latency of the messages `fast` selects. */
async function stream(world: World, urls: string[], fast: (i: number) => boolean) {
  const messages = messagesFor(urls);
  await world.insert(messages);
  const published = new Map<string, number>();
  const start = performance.now();
  for (const [i, message] of messages.entries()) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    published.set(message.id, performance.now());
    await world.publish(message);
  }
  await allDone(world, messages, 600_000);
  const latency = (keep: (i: number) => boolean) =>
    percentiles(messages.flatMap((m, i) => (keep(i) ? [world.done.get(m.id)! - published.get(m.id)!] : [])));
  return { fast: latency(fast), slow: latency((i) => !fast(i)) };
}

const fmt = (l: Latency) => `p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms`;

async function main() {
  const pages = await startPages();
  const world = await openWorld(pages.port);
  const page = (name: string, delay: number) => `http://127.0.0.1:${pages.port}/${name}?delay=${delay}`;
  console.log(
    `bench:embeds: ${MESSAGES} messages per phase, concurrency ${CONCURRENCY}, ${os.cpus().length} cores, ` +
      `Node ${process.version}`,
  );
  try {
    // Warm-up: connections, JIT, the parser, and the page server's own JIT. With 50 messages only,
    // the first phase's baseline met a cold page server and ran at half its later rate, which
    // flattered the embedder that followed it (1.2-1.3× there, 0.93× in the next bursts).
    const warm = randomUUID().slice(0, 8);
    await bareFetches(
      Array.from({ length: 2 * MESSAGES }, (_, i) => page(`warm-base-${warm}-${i}`, 0)),
      CONCURRENCY,
    );
    await burst(
      world,
      Array.from({ length: MESSAGES }, (_, i) => page(`warm-${warm}-${i}`, 0)),
    );
    console.log('\nburst of messages, each link a distinct page (baseline: bare fetch loop, same pages)');
    console.log(
      'delay | baseline fetches/s | embedder unfurls/s | ratio | baseline latency | embedder latency | peak RSS',
    );
    for (const delay of DELAYS) {
      const tag = randomUUID().slice(0, 8);
      // Under the same RSS sampling as the embedder's phase, so both pay for it alike.
      const { result: base } = await withPeakRss(() =>
        bareFetches(
          Array.from({ length: MESSAGES }, (_, i) => page(`base-${tag}-${i}`, delay)),
          CONCURRENCY,
        ),
      );
      const { result, peakMb } = await withPeakRss(() =>
        burst(
          world,
          Array.from({ length: MESSAGES }, (_, i) => page(`burst-${tag}-${i}`, delay)),
        ),
      );
      console.log(
        `${delay} ms | ${base.perSecond.toFixed(1)} | ${result.perSecond.toFixed(1)} | ` +
          `${(result.perSecond / base.perSecond).toFixed(2)}× | ${fmt(base.latency)} | ${fmt(result.latency)} | ` +
          `${peakMb.toFixed(0)} MB`,
      );
    }
    if (args['skip-stream']) return;
    console.log(`\nsteady stream at ${RATE} messages/s; fast pages answer at once`);
    for (const slowEvery of [0, 10]) {
      const tag = randomUUID().slice(0, 8);
      const slow = (i: number) => slowEvery > 0 && i % slowEvery === slowEvery - 1;
      const urls = Array.from({ length: MESSAGES }, (_, i) => page(`stream-${tag}-${i}`, slow(i) ? 2000 : 0));
      const { result, peakMb } = await withPeakRss(() => stream(world, urls, (i) => !slow(i)));
      console.log(
        `${slowEvery ? 'every 10th page takes 2 s' : 'no slow page'}: fast pages ${fmt(result.fast)}` +
          (slowEvery ? `; slow pages ${fmt(result.slow)}` : '') +
          `; peak RSS ${peakMb.toFixed(0)} MB`,
      );
    }
  } finally {
    await world.close();
    pages.stop();
  }
}

await main();
