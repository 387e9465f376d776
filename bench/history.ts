/**
 * Message history at scale: one channel with 1,000,000 messages over two years, on embedded PGlite
 * and on real PostgreSQL. Reports p50/p99 of 50-message pages at the newest position, in the middle
 * (`before` an id at ~50%) and `around` a middle id, straight at the store (the PostgreSQL timeline)
 * and through the router over HTTP (`gochat start`, signed in as the guild's owner), next to an
 * OFFSET page at the same depth as the baseline; then sendMessage throughput through the router.
 *
 * Run: npx tsx bench/history.ts [pglite|postgres]   (default: both)
 * BENCH_MESSAGES=100000 seeds fewer messages for a quick look (the results then say so).
 * `npx tsx bench/history.ts floor [pglite|postgres]` times only the router's own cost, without the seed
 * (bench/router-floor.ts); BENCH_CPU_PROF=<dir> makes the gochat process write a V8 CPU profile there
 * (bench/cpu-profile.mjs).
 * GOCHAT_BENCH_DATABASE_URL: the PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { openDatabase, type Database, type DatabaseHandle } from '@gochat/db';
import { messages } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import { createPostgresTimeline, NO_MENTIONS } from '@gochat/message-store';
import { realServer, type GochatProcess } from '@gochat/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { desc, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';

import { createMessageWritesStore } from '../subgraphs/messages/store/messages.ts';
import { RELAXED_LIMITS, tempConfig } from '../e2e/support.ts';
import {
  HISTORY_PAGE,
  HISTORY_PAGE_WITH_AUTHORS,
  SEND,
  TYPENAME,
  createCommunity,
  operation,
  signIn,
  startMonolith,
  type Account,
  type PageData,
} from './gochat-client.ts';
import {
  idsAt,
  insertAuthors,
  insertMessages,
  joinAuthors,
  messageTimes,
  seededRandom,
  type RawQuery,
} from './history-seed.ts';
import { measureFloor, reportFloor } from './router-floor.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { ms, throughput, timed, type Latency, type Throughput } from './timing.ts';

/* eslint-disable no-process-env -- a command-line tool configured by its environment */
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const FLOOR_RUNS = Number(process.env.BENCH_FLOOR_RUNS ?? 2_000);
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF;
/* eslint-enable no-process-env */
const DAYS = 730;
const PAGE = 50;
const STORE_RUNS = 1_000;
const ROUTER_RUNS = 500;
/** Requests of each timed kind a freshly started router answers before any is timed. */
const ROUTER_WARMUP = 500;
const SENDERS = 4;
const SEND_SECONDS = 10;
const EXTRA_AUTHORS = 50;

type Mode = 'pglite' | 'postgres';

interface Row {
  position: string;
  store: Latency;
  offset: Latency;
  router: Latency;
  routerAuthors: Latency;
}

interface ModeResult {
  mode: Mode;
  setup: string;
  seedSeconds: number;
  rows: Row[];
  floor: Latency;
  send: Throughput;
  storeSend: Throughput;
}

const rawQuery = (db: Database): RawQuery => {
  const client = (db as unknown as { $client: { query(text: string, params: unknown[]): Promise<unknown> } })
    .$client;
  return (text, params) => client.query(text, params);
};

function fail(message: string): never {
  throw new Error(`benchmark self-check failed: ${message}`);
}

const sameIds = (got: Array<{ id: string }>, want: string[]) =>
  got.length === want.length && got.every((m, i) => m.id === want[i]);

/** Where the pages are read: newest, and ids from the middle tenth (a different one each run). */
function positions(ids: string[], runs: number) {
  const random = seededRandom(7);
  const middle = Array.from({ length: runs + 50 }, () => Math.floor(ids.length * (0.45 + 0.1 * random())));
  return {
    middle,
    /** The page before ids[k], newest first. */
    before: (k: number) => ids.slice(Math.max(0, k - PAGE), k).reverse(),
    newest: ids.slice(-PAGE).reverse(),
  };
}

/** Seeds the channel, then times the store and the OFFSET baseline in this process. */
async function seedAndMeasureStore(
  handle: DatabaseHandle,
  community: { owner: Account; members: Account[]; guildId: string; channelId: string },
  ids: string[],
  times: Float64Array,
) {
  const { db } = handle;
  const query = rawQuery(db);
  const random = seededRandom(42);
  const started = performance.now();
  const extra = await insertAuthors(query, EXTRA_AUTHORS, 901);
  const authors = [community.owner.id, ...community.members.map((m) => m.id), ...extra];
  const { channelId, guildId } = community;
  await joinAuthors(query, guildId, extra);
  await insertMessages(query, { channelId, guildId, authors }, ids, times, random);
  await query(
    `insert into channel_state (channel_id, parent_channel_id, guild_id, last_message_id)
     values ($1, $1, $2, $3) on conflict (channel_id) do update set last_message_id = excluded.last_message_id`,
    [channelId, guildId, ids.at(-1)],
  );
  await query('vacuum analyze messages', []);
  const seedSeconds = (performance.now() - started) / 1000;

  const timeline = createPostgresTimeline(db);
  const at = positions(ids, STORE_RUNS);
  const k0 = at.middle[0]!;
  if (!sameIds(await timeline.history({ channelId, limit: PAGE }), at.newest)) fail('store newest page');
  if (!sameIds(await timeline.history({ channelId, limit: PAGE, before: ids[k0]! }), at.before(k0)))
    fail('store middle page');
  const around = await timeline.history({ channelId, limit: PAGE, around: ids[k0]! });
  if (around.length !== PAGE || !around.some((m) => m.id === ids[k0])) fail('store around page');
  const offsetPage = (offset: number) =>
    db
      .select()
      .from(messages)
      .where(eq(messages.channelId, channelId))
      .orderBy(desc(messages.id))
      .limit(PAGE)
      .offset(offset);
  if (!sameIds(await offsetPage(ids.length - k0), at.before(k0))) fail('OFFSET baseline page');

  const store = {
    newest: await timed(() => timeline.history({ channelId, limit: PAGE }), STORE_RUNS),
    middle: await timed(
      (i) => timeline.history({ channelId, limit: PAGE, before: ids[at.middle[i]!]! }),
      STORE_RUNS,
    ),
    around: await timed(
      (i) => timeline.history({ channelId, limit: PAGE, around: ids[at.middle[i]!]! }),
      STORE_RUNS,
    ),
  };
  // OFFSET has no "around": the same depth as the middle page is its equivalent. Fewer runs: it is slow.
  const offsetRuns = 100;
  const offset = {
    newest: await timed(() => offsetPage(0), offsetRuns, 10),
    middle: await timed((i) => offsetPage(ids.length - at.middle[i]!), offsetRuns, 10),
  };

  // The send transaction alone (no GraphQL, no limits, no publishing: the relay is not running),
  // appended to the channel, so later pages see these messages as the newest.
  const writes = createMessageWritesStore({
    db,
    ids: createSnowflakeGenerator(902),
    timeline,
    kick: () => {},
  });
  const sentIds: string[] = [];
  const storeSend = await throughput(SENDERS, SEND_SECONDS * 1000, async (worker, i) => {
    const outcome = await writes.send({
      channelId,
      parentChannelId: channelId,
      guildId,
      authorId: authors[worker]!,
      content: `store send ${worker}.${i}`,
      replyToId: null,
      mentions: NO_MENTIONS,
      nonce: null,
      attachmentIds: [],
      embeds: [],
      linkPreviews: true,
      beforeWrite: async () => {},
    });
    if (!('sent' in outcome)) fail('a store send without a nonce was a replay');
    sentIds.push(outcome.sent.id);
  });
  ids.push(...sentIds.sort(compareIdsAsc));
  return { seedSeconds, store, offset, storeSend };
}

const compareIdsAsc = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : 1);

/** Times pages and sends through the router of a running monolith. */
async function measureRouter(
  gochat: GochatProcess,
  community: { owner: Account; members: Account[]; channelId: string },
  ids: string[],
) {
  const { channelId } = community;
  const jwt = await signIn(gochat.url, community.owner);
  const page = operation<PageData, { channelId: string; before?: string; around?: string }>(
    gochat.url,
    HISTORY_PAGE,
    jwt,
  );
  const pageWithAuthors = operation<PageData, { channelId: string; before?: string; around?: string }>(
    gochat.url,
    HISTORY_PAGE_WITH_AUTHORS,
    jwt,
  );
  const at = positions(ids, ROUTER_RUNS);
  const k0 = at.middle[0]!;
  if (!sameIds((await page({ channelId })).messages, at.newest)) fail('router newest page');
  if (!sameIds((await pageWithAuthors({ channelId, before: ids[k0]! })).messages, at.before(k0)))
    fail('router middle page');

  const measure = (run: typeof page) => ({
    newest: () => timed(() => run({ channelId }), ROUTER_RUNS),
    middle: () => timed((i) => run({ channelId, before: ids[at.middle[i]!]! }), ROUTER_RUNS),
    around: () => timed((i) => run({ channelId, around: ids[at.middle[i]!]! }), ROUTER_RUNS),
  });
  const floorOp = operation<unknown, Record<string, never>>(gochat.url, TYPENAME, jwt);
  // A router just started answers through V8's first tiers: `{ __typename }` timed first had p50 2.9
  // and p99 15.1 ms, and 0.6 / 3.3 ms timed again after the pages (2026-12-06). Time the steady state.
  for (let i = 0; i < ROUTER_WARMUP; i++) {
    const id = ids[at.middle[i % at.middle.length]!]!;
    await floorOp({});
    await page({ channelId, before: id });
    await pageWithAuthors({ channelId, around: id });
  }
  const floor = await timed(() => floorOp({}), ROUTER_RUNS);
  const plain = measure(page);
  const authors = measure(pageWithAuthors);
  const router = { newest: await plain.newest(), middle: await plain.middle(), around: await plain.around() };
  const routerAuthors = {
    newest: await authors.newest(),
    middle: await authors.middle(),
    around: await authors.around(),
  };

  // Send throughput: one sender per account (the owner and the members), as fast as answers come.
  const senders = await Promise.all(
    [community.owner, ...community.members]
      .slice(0, SENDERS)
      .map(async (account) =>
        operation<{ sendMessage: { id: string } }, { channelId: string; content: string }>(
          gochat.url,
          SEND,
          await signIn(gochat.url, account),
        ),
      ),
  );
  const sent = new Set<string>();
  const send = await throughput(SENDERS, SEND_SECONDS * 1000, async (worker, i) => {
    const { sendMessage } = await senders[worker]!({ channelId, content: `bench send ${worker}.${i}` });
    sent.add(sendMessage.id);
  });
  if (sent.size !== send.count) fail(`${send.count} sends returned ${sent.size} distinct ids`);
  const newest = await page({ channelId });
  if (!newest.messages.every((m) => sent.has(m.id))) fail('the newest page is not the messages just sent');
  return { floor, router, routerAuthors, send };
}

interface ModeSetup {
  env: Record<string, string>;
  setup: string;
  open: () => Promise<DatabaseHandle>;
  /** Run in reverse order at the end. */
  cleanups: Array<() => Promise<void>>;
}

/** The environment of `gochat start` for a mode, with what must be removed afterwards. */
async function modeSetup(mode: Mode): Promise<ModeSetup> {
  const { dir, file } = tempConfig(
    `${RELAXED_LIMITS}\nmessages:\n  sendRate: { points: 1000000, windowSeconds: 1 }\n`,
  );
  const cleanups: Array<() => Promise<void>> = [() => fs.promises.rm(dir, { recursive: true, force: true })];
  const env: Record<string, string> = { GOCHAT_CONFIG: file };
  if (CPU_PROFILE_DIR)
    Object.assign(env, {
      NODE_OPTIONS: `--import ${fileURLToPath(new URL('./cpu-profile.mjs', import.meta.url))}`,
      CPU_PROF_DIR: path.resolve(CPU_PROFILE_DIR),
    });
  if (mode === 'pglite') {
    env.DATA_DIR = dir;
    return {
      env,
      cleanups,
      setup: 'embedded monolith: PGlite, in-process bus, in-memory cache',
      open: () => openDatabase({ dataDir: dir, poolSize: 1, log: silentLogger }),
    };
  }
  const { name, url, drop } = await createScratchDatabase();
  cleanups.push(drop);
  env.DATABASE_URL = url;
  const [natsUrl, redisUrl] = [await realServer('nats'), await realServer('redis')];
  const prefix = name.replace(/_/g, '-');
  if (natsUrl) {
    Object.assign(env, { NATS_URL: natsUrl, NATS_PREFIX: prefix, NATS_STREAM: name.toUpperCase() });
    cleanups.push(async () => {
      const nc = await connect({ servers: natsUrl });
      await (await jetstreamManager(nc)).streams.delete(name.toUpperCase()).catch(() => undefined);
      await nc.close();
    });
  }
  if (redisUrl) {
    Object.assign(env, { REDIS_URL: redisUrl, REDIS_PREFIX: `${name}:` });
    cleanups.push(async () => {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${name}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    });
  }
  return {
    env,
    cleanups,
    setup: `monolith on PostgreSQL 15${natsUrl ? ', NATS JetStream' : ', in-process bus'}${redisUrl ? ', Redis' : ', in-memory cache'}`,
    open: () => openDatabase({ url, dataDir: dir, poolSize: 4, log: silentLogger }),
  };
}

async function runMode(mode: Mode): Promise<ModeResult> {
  const { env, setup, open, cleanups } = await modeSetup(mode);
  let gochat: GochatProcess | undefined;
  try {
    console.error(`[${mode}] starting gochat, signing up ${SENDERS} users, creating the guild`);
    gochat = await startMonolith(env);
    const community = await createCommunity(gochat, SENDERS - 1);
    await gochat.stop('SIGTERM'); // PGlite has a single writer: the seed needs the database to itself

    const random = seededRandom(1);
    const times = messageTimes(MESSAGES, DAYS, Date.now() - 60_000, random);
    const ids = idsAt(times, 900);
    console.error(`[${mode}] seeding ${MESSAGES} messages and timing the store`);
    const handle = await open();
    let stored: Awaited<ReturnType<typeof seedAndMeasureStore>>;
    try {
      stored = await seedAndMeasureStore(handle, community, ids, times);
    } finally {
      await handle.close();
    }

    console.error(`[${mode}] restarting gochat and timing the router`);
    gochat = await startMonolith(env);
    const routed = await measureRouter(gochat, community, ids);
    const row = (position: 'newest' | 'middle' | 'around', label: string): Row => ({
      position: label,
      store: stored.store[position],
      offset: stored.offset[position === 'newest' ? 'newest' : 'middle'],
      router: routed.router[position],
      routerAuthors: routed.routerAuthors[position],
    });
    return {
      mode,
      setup,
      seedSeconds: stored.seedSeconds,
      rows: [
        row('newest', 'newest page'),
        row('middle', 'middle (`before` an id at 45-55%)'),
        row('around', '`around` an id at 45-55%'),
      ],
      floor: routed.floor,
      send: routed.send,
      storeSend: stored.storeSend,
    };
  } finally {
    if (gochat) await gochat.stop('SIGTERM');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => console.error(e));
  }
}

function report(results: ModeResult[], load: { before: number[]; after: number[]; max: number }): void {
  const cpu = os.cpus();
  console.log(`# bench:history, ${new Date().toISOString()}\n`);
  console.log(
    `Machine: ${cpu.length} x ${cpu[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
      `Load average (1/5/15 min) before: ${load.before.map((l) => l.toFixed(2)).join(' ')}, after: ${load.after.map((l) => l.toFixed(2)).join(' ')}; ` +
      `highest 1-min load sampled during the run: ${load.max.toFixed(2)}.`,
  );
  console.log(
    `One channel, ${MESSAGES.toLocaleString('en')} messages over ${DAYS} days${MESSAGES < 1_000_000 ? ' (FEWER THAN THE 1,000,000 OF THE ISSUE: BENCH_MESSAGES was set)' : ''}; ` +
      `pages of ${PAGE}; store ${STORE_RUNS} runs, router ${ROUTER_RUNS} runs, OFFSET 100 runs per cell.\n`,
  );
  for (const r of results) {
    console.log(`## ${r.mode}: ${r.setup} (seeded in ${r.seedSeconds.toFixed(0)} s)\n`);
    console.log(
      '| position | store p50 | store p99 | router p50 | router p99 | router + author names and members p50 | router + author names and members p99 | OFFSET baseline p50 | OFFSET baseline p99 |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of r.rows)
      console.log(
        `| ${row.position} | ${ms(row.store.p50)} | ${ms(row.store.p99)} | ${ms(row.router.p50)} | ${ms(row.router.p99)} | ` +
          `${ms(row.routerAuthors.p50)} | ${ms(row.routerAuthors.p99)} | ${ms(row.offset.p50)} | ${ms(row.offset.p99)} |`,
      );
    console.log(
      `\nRouter floor (\`{ __typename }\`, signed in): p50 ${ms(r.floor.p50)} ms, p99 ${ms(r.floor.p99)} ms.`,
    );
    console.log(
      `Send throughput through the router: ${r.send.perSecond.toFixed(0)} messages/s ` +
        `(${SENDERS} concurrent senders, ${SEND_SECONDS} s, ${r.send.count} sent; ` +
        `latency under that load p50 ${ms(r.send.latency.p50)} ms, p99 ${ms(r.send.latency.p99)} ms).`,
    );
    console.log(
      `Send throughput at the store (the send transaction only): ${r.storeSend.perSecond.toFixed(0)} messages/s ` +
        `(${SENDERS} concurrent, ${SEND_SECONDS} s, ${r.storeSend.count} sent; ` +
        `p50 ${ms(r.storeSend.latency.p50)} ms, p99 ${ms(r.storeSend.latency.p99)} ms).\n`,
    );
  }
}

/** The floor mode: sign up one user, then time only the router's own cost (no seed, no store runs). */
async function runFloor(mode: Mode): Promise<void> {
  const { env, setup, cleanups } = await modeSetup(mode);
  let gochat: GochatProcess | undefined;
  try {
    gochat = await startMonolith(env);
    const community = await createCommunity(gochat, 0);
    const probes = await measureFloor(gochat, await signIn(gochat.url, community.owner), FLOOR_RUNS);
    const load = os.loadavg();
    console.log(`# bench:history floor, ${mode}: ${setup}, ${new Date().toISOString()}\n`);
    console.log(
      `${os.cpus().length} cores, Node ${process.version}, load after: ${load.map((l) => l.toFixed(2)).join(' ')}; ` +
        `${FLOOR_RUNS} runs per request, interleaved in rounds of 100. Times in ms.\n`,
    );
    reportFloor(probes);
  } finally {
    if (gochat) await gochat.stop('SIGTERM');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => console.error(e));
  }
}

const args = process.argv.slice(2);
const floorOnly = args[0] === 'floor';
const argument = floorOnly ? args[1] : args[0];
if (argument !== undefined && argument !== 'pglite' && argument !== 'postgres')
  throw new Error(`unknown mode ${argument}: pglite or postgres`);
if (floorOnly) await runFloor(argument ?? 'pglite');
else {
  const modes: Mode[] = argument === undefined ? ['postgres', 'pglite'] : [argument];
  const before = os.loadavg();
  // Other work on the machine skews latency: sample the load so the report can say how busy it was.
  const loadSamples: number[] = [];
  const sampler = setInterval(() => loadSamples.push(os.loadavg()[0]!), 5_000);
  const results: ModeResult[] = [];
  try {
    for (const mode of modes) results.push(await runMode(mode));
  } finally {
    clearInterval(sampler);
  }
  report(results, { before, after: os.loadavg(), max: Math.max(0, ...loadSamples) });
}
