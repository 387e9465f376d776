/**
 * Message search at scale: bench:history's 1,000,000 messages spread over 20 channels of one guild
 * (the searcher may read 15), on real PostgreSQL and on embedded PGlite, with the PostgreSQL
 * full-text index (`createPostgresSearchIndex`). Reports, per database:
 *   - p50/p99 of five query shapes at the port (`index.search`, limit 25), next to the same shapes as
 *     `content ILIKE '%…%'` scans of the messages table with the same channel filter (the baseline);
 *   - indexing through the real indexer worker (harness, in-process memory bus, the PostgreSQL
 *     message store): commit-to-searchable at 200 messages/s, and sustained events/s of a burst;
 *   - the worst of a list of hostile queries through the search request path (the subgraph's
 *     `searchMessages` resolver: permission scope, parse, name resolution, search, store check), and
 *     how fast the parser's limits reject the rest;
 *   - EXPLAIN ANALYZE of the statements behind each shape and the worst hostile query.
 *
 * Run: npm run bench:search [-- [postgres|pglite] [--messages 1000000] [--runs 200] [--keep]]  (default: both;
 * --keep leaves the seeded PostgreSQL database or PGlite data directory in place for EXPLAINs, and prints
 * where it is)
 * GOCHAT_BENCH_DATABASE_URL: the PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { createMemoryBus, type BusEvent, type EventBus } from '@gochat/bus';
import { openDatabase, pgErrorCode, queryRows, type Database, type DatabaseHandle } from '@gochat/db';
import { DomainError } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import { createSnowflakeGenerator } from '@gochat/ids';
import { Lifecycle } from '@gochat/lifecycle';
import { createMetricsRegistry, silentLogger, type Registry } from '@gochat/log';
import {
  createPostgresTimeline,
  NO_MENTIONS,
  type MessageTimeline,
  type TimelineMessage,
} from '@gochat/message-store';
import { createOutboxRelay } from '@gochat/outbox';
import {
  COUNT_CAP,
  SearchTimeoutError,
  createPostgresSearchIndex,
  type SearchIndex,
  type SearchPage,
  type SearchRequest,
} from '@gochat/search';
import { StringChunk, sql, type SQL } from 'drizzle-orm';
import type { GraphQLResolveInfo } from 'graphql';

import { createMessageWritesStore } from '../subgraphs/messages/store/messages.ts';
import type { QuerySearchMessagesArgs, ResolverFn } from '../subgraphs/search/generated/resolvers.ts';
// The parser's phrase and exclusion limits (not re-exported by @gochat/search-syntax's entry point).
import { MAX_EXCLUDED, MAX_PHRASE_WORDS } from '../packages/search-syntax/src/parse.ts';
import { buildRequest } from '../subgraphs/search/request.ts';
import type { SearchContext } from '../subgraphs/search/resolvers/context.ts';
import { resolvers } from '../subgraphs/search/resolvers/index.ts';
import type { SearchResultPageRow } from '../subgraphs/search/store/rows.ts';
import { guildScope } from '../subgraphs/search/scope.ts';
import { indexerConfigSchema } from '../workers/indexer/config.ts';
import { createIndexerWorkerRole } from '../workers/indexer/role.ts';
import { createScratchDatabase } from './scratch-database.ts';
import {
  COLLOCATIONS,
  contentGenerator,
  rawQuery,
  seedGuild,
  seedMessages,
  type SearchWorldSeed,
  type SeedStats,
} from './search-seed.ts';
import {
  report,
  summarize,
  type BadInputResult,
  type BurstResult,
  type FreshnessResult,
  type ModeResult,
  type Plan,
  type ShapeResult,
} from './search-report.ts';

const { values: flags, positionals } = parseArgs({
  options: { messages: { type: 'string' }, runs: { type: 'string' }, keep: { type: 'boolean' } },
  allowPositionals: true,
});
const MESSAGES = Number(flags.messages ?? 1_000_000);
/** Timed runs of each query shape at the port, after WARMUP untimed ones. */
const RUNS = Number(flags.runs ?? 200);
const WARMUP = 20;
/** The ILIKE baseline scans the table: fewer runs. */
const BASELINE_RUNS = 5;
const BAD_RUNS = 5;
const PAGE = 25;
/** Freshness: messages sent at this rate for this long. */
const FRESH_RATE = 200;
const FRESH_SECONDS = 20;
/** Sustained throughput: this many MessageCreated events published at once. */
const BURST = 20_000;
const RARE_TARGET = 30;
const COMMON_TARGET = 0.1;

type Mode = 'postgres' | 'pglite';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bigintArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

function fail(message: string): never {
  throw new Error(`benchmark self-check failed: ${message}`);
}

/** Sequential runs: `warmup` untimed, then `runs` timed (ms each). */
async function sample(run: () => Promise<unknown>, runs: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return samples;
}

async function count(db: Database, query: SQL): Promise<number> {
  const rows = await queryRows<{ n: number | string }>(db, query);
  return Number(rows[0]?.n ?? 0);
}

/** The text of a statement made with sql.raw (the searches' `set local` settings). */
const rawText = (query: SQL) =>
  query.queryChunks.map((c) => (c instanceof StringChunk ? c.value.join('') : '')).join('');
const isSetLocal = (query: SQL) => /^\s*set local /i.test(rawText(query));

/** A statement the search ran, with the `set local` settings its transaction ran before it. */
interface Captured {
  statement: SQL;
  settings: SQL[];
}

/** The search index over a handle that records every statement it runs, for EXPLAIN ANALYZE. */
function capturingIndex(db: Database): { index: SearchIndex; statements: Captured[] } {
  const statements: Captured[] = [];
  const spied = <T extends Database>(handle: T, settings: SQL[] = []): T => {
    const spy = Object.create(handle) as T & { execute: (query: SQL) => unknown };
    spy.execute = (query: SQL) => {
      if (isSetLocal(query)) settings.push(query);
      else statements.push({ statement: query, settings: [...settings] });
      return handle.execute(query);
    };
    // The searches run inside transactions (a statement timeout each, planner settings for some):
    // spy on those handles too, each with the settings of its own transaction.
    (spy as { transaction: Database['transaction'] }).transaction = ((
      run: (tx: Database) => unknown,
      config?: unknown,
    ) =>
      handle.transaction(
        (tx) => run(spied(tx as unknown as Database, [])) as never,
        config as never,
      )) as Database['transaction'];
    return spy;
  };
  return { index: createPostgresSearchIndex(spied(db)), statements };
}

async function explain(
  db: Database,
  label: string,
  run: (index: SearchIndex) => Promise<unknown>,
): Promise<Plan> {
  const { index, statements } = capturingIndex(db);
  // A search past its statement timeout still shows the plans of what it ran.
  await run(index).catch((error: unknown) => {
    if (!(error instanceof SearchTimeoutError)) throw error;
  });
  const plans: string[] = [];
  for (const { statement, settings } of statements) {
    // Planned under the same settings as the search ran it (the statement timeout included).
    const lines = await db
      .transaction(async (tx) => {
        for (const setting of settings) await tx.execute(setting);
        const rows = await queryRows<Record<string, string>>(
          tx,
          sql`explain (analyze, buffers) ${statement}`,
        );
        return rows.map((r) => Object.values(r)[0]!);
      })
      .catch((error: unknown) => {
        if (pgErrorCode(error) !== '57014') throw error;
        return ['(cancelled by the statement timeout)'];
      });
    plans.push([...settings.map((q) => `-- ${rawText(q)}`), ...lines].join('\n'));
  }
  return { label, plans };
}

/** Query terms picked from what the seed generated: a rare word, a common one, a phrase, an author. */
function pickTerms(stats: SeedStats, world: SearchWorldSeed) {
  const byDistance = (target: number, from: number, to: number) => {
    let best = from;
    for (let r = from; r < to; r++)
      if (Math.abs(stats.wordMessages[r]! - target) < Math.abs(stats.wordMessages[best]! - target)) best = r;
    return best;
  };
  // The rare word: a made-up tail word (after the 150 head words) in about 30 readable messages.
  const rare = byDistance(RARE_TARGET, 150, stats.vocabulary.length);
  const common = byDistance(COMMON_TARGET * stats.readableMessages, 0, 150);
  return {
    rare: stats.vocabulary[rare]!,
    rareMessages: stats.wordMessages[rare]!,
    common: stats.vocabulary[common]!,
    commonMessages: stats.wordMessages[common]!,
    phrase: COLLOCATIONS[0]!,
    authorIndex: 2,
    authorId: world.authorIds[2]!,
    authorLinks: stats.authorLinks[2]!,
  };
}

interface Shape {
  key: string;
  label: string;
  description: string;
  request: SearchRequest;
  /** The ILIKE scan of the same question (null: none), and what its row says. */
  baseline: SQL;
  baselineNote?: string;
  /** Exact matches in the readable channels (SQL count over message_search). */
  expected: SQL;
  /** What the seed says the count must be (when it knows exactly). */
  seeded?: number;
  goalMs: number | null;
  text: boolean;
}

function shapes(world: SearchWorldSeed, readable: string[], terms: ReturnType<typeof pickTerms>): Shape[] {
  const base: SearchRequest = {
    guildId: world.guildId,
    parentChannelIds: readable,
    terms: [],
    phrases: [],
    excluded: [],
    sort: 'newest',
    limit: PAGE,
  };
  const channels = bigintArray(readable);
  const ilike = (where: SQL) =>
    // Ordered by the column, not an output alias: `order by id` after `id::text as id` would sort text.
    sql`/* baseline.ilike */ select m.id::text as message_id from messages m
        where m.channel_id = any(${channels}::bigint[]) and ${where} order by m.id desc limit ${PAGE}`;
  const indexed = (where: SQL) =>
    sql`select count(*)::int as n from message_search s where not s.deleted
        and s.parent_channel_id = any(${channels}::bigint[]) and ${where}`;
  return [
    {
      key: 'rare',
      label: 'rare term, newest',
      description: `\`${terms.rare}\``,
      request: { ...base, terms: [terms.rare] },
      baseline: ilike(sql`content ilike ${`%${terms.rare}%`}`),
      expected: indexed(sql`s.document @@ plainto_tsquery('simple', ${terms.rare})`),
      seeded: terms.rareMessages,
      goalMs: 50,
      text: true,
    },
    {
      key: 'common',
      label: 'common term, newest',
      description: `\`${terms.common}\``,
      request: { ...base, terms: [terms.common] },
      baseline: ilike(sql`content ilike ${`%${terms.common}%`}`),
      expected: indexed(sql`s.document @@ plainto_tsquery('simple', ${terms.common})`),
      seeded: terms.commonMessages,
      goalMs: 50,
      text: true,
    },
    {
      key: 'phrase',
      label: 'phrase, newest',
      description: `\`"${terms.phrase}"\``,
      request: { ...base, phrases: [terms.phrase] },
      baseline: ilike(sql`content ilike ${`%${terms.phrase}%`}`),
      expected: indexed(sql`s.document @@ phraseto_tsquery('simple', ${terms.phrase})`),
      goalMs: 50,
      text: true,
    },
    {
      key: 'filters',
      label: 'filters only: `from:` + `has:link`',
      description: `\`from:${world.authorHandles[terms.authorIndex]} has:link\``,
      request: { ...base, authorIds: [terms.authorId], has: ['link'] },
      baseline: ilike(
        sql`author_id = ${terms.authorId} and (content ilike '%http://%' or content ilike '%https://%')`,
      ),
      expected: indexed(sql`s.author_id = ${terms.authorId} and (s.has_flags & 1) = 1`),
      seeded: terms.authorLinks,
      goalMs: 50,
      text: false,
    },
    {
      key: 'relevance',
      label: 'common term, relevance',
      description: `\`${terms.common}\`, sort relevance`,
      request: { ...base, terms: [terms.common], sort: 'relevance' },
      baseline: ilike(sql`content ilike ${`%${terms.common}%`}`),
      baselineNote: 'ILIKE cannot rank: the same scan as newest',
      expected: indexed(sql`s.document @@ plainto_tsquery('simple', ${terms.common})`),
      seeded: terms.commonMessages,
      goalMs: null,
      text: true,
    },
  ];
}

/** One search's page checked against the seed: count, cap, channels, order, highlights. */
async function checkPage(
  db: Database,
  shape: Shape,
  page: SearchPage,
  matches: number,
  readable: Set<string>,
): Promise<number> {
  const what = shape.label;
  if (shape.seeded !== undefined && shape.seeded !== matches)
    fail(`${what}: the index holds ${matches} matches, the seed made ${shape.seeded}`);
  if (matches === 0) fail(`${what}: no matches`);
  if (page.hits.length !== Math.min(PAGE, matches)) fail(`${what}: ${page.hits.length} hits of ${matches}`);
  if (page.total !== Math.min(matches, COUNT_CAP) || page.totalIsExact !== matches <= COUNT_CAP)
    fail(`${what}: total ${page.total} (exact ${page.totalIsExact}) for ${matches} matches`);
  if (page.hits.some((h) => !readable.has(h.parentChannelId)))
    fail(`${what}: a hit outside the readable channels`);
  if (
    shape.request.sort === 'newest' &&
    page.hits.some((h, i) => i > 0 && BigInt(h.id) >= BigInt(page.hits[i - 1]!.id))
  )
    fail(`${what}: hits not newest first`);
  // ts_headline reads the raw content with the default parser, which keeps a URL whole: a word
  // matched only inside a link gets no highlight. Any other hit without one is a failure.
  const bare = shape.text ? page.hits.filter((h) => h.highlights.length === 0).map((h) => h.id) : [];
  if (bare.length > 0) {
    const rows = await queryRows<{ content: string }>(
      db,
      sql`select content from messages where id = any(${bigintArray(bare)}::bigint[])`,
    );
    if (rows.some((r) => !/https?:\/\//.test(r.content)))
      fail(`${what}: a hit without highlights and without a link`);
  }
  if (shape.key === 'filters') {
    const rows = await queryRows<{ author_id: string; content: string }>(
      db,
      sql`select author_id, content from messages where id = any(${bigintArray(page.hits.map((h) => h.id))}::bigint[])`,
    );
    if (rows.some((r) => r.author_id !== shape.request.authorIds![0] || !/https?:\/\//.test(r.content)))
      fail(`${what}: a hit by another author or without a link`);
  }
  return bare.length;
}

/** The hostile inputs of the issue, as typed into the search box. */
function badInputs(stats: SeedStats, world: SearchWorldSeed) {
  const top = stats.vocabulary.slice(0, 32);
  /** Words joined by `*` into tokens of at most 100 characters (the parser's word limit), space-separated. */
  const starred = (words: readonly string[]) => {
    const tokens: string[] = [];
    for (const w of words) {
      const last = tokens.at(-1);
      if (last !== undefined && last.length + 1 + w.length <= 100) tokens[tokens.length - 1] = `${last}*${w}`;
      else tokens.push(w);
    }
    return tokens.join(' ');
  };
  /** A quoted phrase of one word repeated up to the 100-character token limit. */
  const repeated = (word: string) => {
    let phrase = word;
    while (phrase.length + 1 + word.length + 2 <= 100) phrase += ` ${word}`;
    return `"${phrase}"`;
  };
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const exclusions = top
    .slice(1)
    .map((w) => `-${w}`)
    .join(' ');
  const handle = world.authorHandles[2]!;
  const phraseOf = (word: string) => `"${Array<string>(MAX_PHRASE_WORDS).fill(word).join(' ')}"`;
  const fewExcluded = top
    .slice(1, 1 + MAX_EXCLUDED)
    .map((w) => `-${w}`)
    .join(' ');
  return [
    {
      label: '32 letters and digits joined by `*` (`a*b*c*…*5`)',
      query: [...letters.slice(0, 32)].join('*'),
    },
    { label: 'the 32 most common words joined by `*`', query: starred(top) },
    { label: 'the 32 most common words joined by `*`, relevance', query: starred(top), sort: 'RELEVANCE' },
    { label: 'the most common word alone, relevance', query: top[0]!, sort: 'RELEVANCE' },
    { label: 'the most common word and 31 more common words excluded', query: `${top[0]!} ${exclusions}` },
    {
      label: 'the most common word and 31 more excluded, relevance',
      query: `${top[0]!} ${exclusions}`,
      sort: 'RELEVANCE',
    },
    { label: 'exclusions only (31 common words) with `has:link`', query: `has:link ${exclusions}` },
    { label: 'exclusions only (31 common words) with `from:`', query: `from:${handle} ${exclusions}` },
    { label: 'one phrase: the most common word repeated to 100 characters', query: repeated(top[0]!) },
    {
      label: 'five such phrases of the 5 most common words (508 characters)',
      query: top.slice(0, 5).map(repeated).join(' '),
    },
    {
      label: '5 words of 100 repeated letters (504 characters)',
      query: [...'abcde'].map((c) => c.repeat(100)).join(' '),
    },
    {
      label: 'a 100-character phrase of distinct common words',
      query: `"${top.join(' ').slice(0, 98).replace(/ \S*$/, '')}"`,
    },
    // At the parser's phrase and exclusion limits (the inputs above that exceed them are refused).
    {
      label: `at the limits: \`the\` repeated ${MAX_PHRASE_WORDS} times as a phrase`,
      query: phraseOf(top[0]!),
    },
    {
      label: `at the limits: the same phrase, relevance`,
      query: phraseOf(top[0]!),
      sort: 'RELEVANCE',
    },
    {
      label: `at the limits: 5 such phrases of the 5 most common words`,
      query: top.slice(0, 5).map(phraseOf).join(' '),
    },
    {
      label: `at the limits: a phrase of the ${MAX_PHRASE_WORDS} most common words`,
      query: `"${top.slice(0, MAX_PHRASE_WORDS).join(' ')}"`,
    },
    {
      label: `at the limits: \`the\` and ${MAX_EXCLUDED} common words excluded`,
      query: `${top[0]!} ${fewExcluded}`,
    },
    {
      label: `at the limits: \`the\` and ${MAX_EXCLUDED} common words excluded, relevance`,
      query: `${top[0]!} ${fewExcluded}`,
      sort: 'RELEVANCE',
    },
    {
      label: `at the limits: \`the\` and ${MAX_EXCLUDED} excluded ${MAX_PHRASE_WORDS}-word phrases of common words`,
      query: `${top[0]!} ${Array.from({ length: MAX_EXCLUDED }, (_, k) => `-"${top.slice(k + 1, k + 1 + MAX_PHRASE_WORDS).join(' ')}"`).join(' ')}`,
    },
    {
      label: `at the limits: exclusions only (${MAX_EXCLUDED} common words) with \`has:link\``,
      query: `has:link ${fewExcluded}`,
    },
    { label: 'rejected: 513 repeated letters (longer than 512)', query: 'a'.repeat(513) },
    { label: 'rejected: a word of 101 letters', query: 'a'.repeat(101) },
    { label: 'rejected: 33 words `a*b*…*6`', query: [...letters.slice(0, 33)].join('*') },
    { label: 'rejected: 256 lone `*` (no word to search)', query: Array(256).fill('*').join(' ') },
  ] satisfies { label: string; query: string; sort?: 'NEWEST' | 'RELEVANCE' }[];
}

/**
 * The search subgraph's `searchMessages` resolver, called as GraphQL would call it (without parsing
 * and validating the document): permissions (`guildScope`), parse and names (`buildRequest`), the
 * index, then the hits checked against the message store.
 */
function searchMessagesResolver(): ResolverFn<
  SearchResultPageRow,
  unknown,
  SearchContext,
  QuerySearchMessagesArgs
> {
  const field = resolvers.Query?.searchMessages;
  if (!field) fail('the search subgraph has no Query.searchMessages resolver');
  return (typeof field === 'function' ? field : field.resolve) as ResolverFn<
    SearchResultPageRow,
    unknown,
    SearchContext,
    QuerySearchMessagesArgs
  >;
}

/** Every hostile query through the request path, as the searcher. */
async function measureBadInputs(ctx: SearchContext, world: SearchWorldSeed, stats: SeedStats) {
  const searchMessages = searchMessagesResolver();
  const results: BadInputResult[] = [];
  for (const input of badInputs(stats, world)) {
    const sort: 'NEWEST' | 'RELEVANCE' = ('sort' in input ? input.sort : undefined) ?? 'NEWEST';
    let outcome = '';
    const run = async () => {
      try {
        const page = await searchMessages(
          {},
          { guildId: world.guildId, query: input.query, sort, limit: PAGE },
          ctx,
          {} as GraphQLResolveInfo,
        );
        outcome = `${page.totalIsExact ? page.total : `${page.total}+`} matches`;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        outcome = `rejected: ${error.message}`;
      }
    };
    const started = performance.now();
    await run();
    const first = performance.now() - started;
    const rejected = outcome.startsWith('rejected');
    const samples = await sample(run, rejected ? 50 : BAD_RUNS, 0);
    console.error(
      `  ${input.label}: ${outcome}, first ${first.toFixed(0)} ms, max ${Math.max(...samples).toFixed(0)} ms`,
    );
    results.push({
      label: input.label,
      query: input.query,
      sort,
      outcome,
      rejected,
      latency: summarize([first, ...samples]),
    });
  }
  return results;
}

async function counterValue(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** The indexer as the host runs it: its role on a fresh in-process bus, with its own lifecycle and metrics. */
async function startIndexer(deps: {
  db: Database;
  timeline: MessageTimeline;
  index: SearchIndex;
  bus: EventBus;
  batchSize?: number;
}) {
  const lifecycle = new Lifecycle(silentLogger, 60_000);
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const config = indexerConfigSchema.parse({});
  if (deps.batchSize) config.workers.indexer.batchSize = deps.batchSize;
  const role = createIndexerWorkerRole({ ...deps, config, log: silentLogger, metrics, lifecycle });
  for (let waited = 0; !role.runtime.bound; waited += 10) {
    if (waited > 10_000) fail('the indexer did not bind its durable consumer');
    await sleep(10);
  }
  return {
    settings: config.workers.indexer,
    processed: () => counterValue(metrics, 'gochat_worker_events_processed_total'),
    failed: () => counterValue(metrics, 'gochat_worker_events_failed_total'),
    stop: () => lifecycle.shutdown('bench over'),
  };
}

/**
 * Messages sent at FRESH_RATE through the messages subgraph's own send transaction (timeline insert
 * plus its MessageCreated in the outbox, one commit each), published by the outbox relay (kicked after
 * each commit, as in the host) to the memory bus, indexed by the worker. Freshness is, per message,
 * from its send's commit (the send resolving) to the return of the worker's `index.upsert` call that
 * wrote it: the upsert is one autocommitted statement, so every search started after it finds the
 * message. The index the worker gets is the real one with that call observed; nothing is polled.
 */
async function measureFreshness(
  db: Database,
  timeline: MessageTimeline,
  index: SearchIndex,
  world: SearchWorldSeed,
): Promise<FreshnessResult> {
  const upsertedAt = new Map<string, number>();
  const observed: SearchIndex = {
    ...index,
    upsert: async (docs) => {
      await index.upsert(docs);
      const at = performance.now();
      for (const doc of docs) if (!upsertedAt.has(doc.id)) upsertedAt.set(doc.id, at);
    },
  };
  const bus = createMemoryBus({ log: silentLogger });
  // When each event reached the bus (a live subscriber is called on publish): splits the relay's share.
  const publishedAt = new Map<string, number>();
  bus.subscribe(subjects.channelMessages('*', '*'), (event) => {
    const messageId = (event.data as { messageId?: string }).messageId;
    if (event.type === 'MessageCreated' && messageId) publishedAt.set(messageId, performance.now());
  });
  const relay = createOutboxRelay({ db, bus, log: silentLogger });
  const indexer = await startIndexer({ db, timeline, index: observed, bus });
  const writes = createMessageWritesStore({
    db,
    ids: createSnowflakeGenerator(901),
    timeline,
    kick: () => relay.kick(),
  });
  const content = contentGenerator(99);
  const total = FRESH_RATE * FRESH_SECONDS;
  const sent: { id: string; committedAt: number }[] = [];
  const sendMs: number[] = [];
  const tokens: { id: string; token: string }[] = [];

  const inFlight = new Set<Promise<void>>();
  let late = 0;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / FRESH_RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -50) late++;
    while (inFlight.size >= 32) await Promise.race(inFlight);
    const channelId = world.channelIds[i % world.channelIds.length]!;
    const token = `zzfresh${i}`;
    const send = (async () => {
      const t = performance.now();
      const outcome = await writes.send({
        channelId,
        parentChannelId: channelId,
        guildId: world.guildId,
        authorId: world.authorIds[i % world.authorIds.length]!,
        content: `${content.next().content} ${token}`,
        replyToId: null,
        mentions: NO_MENTIONS,
        nonce: null,
        attachmentIds: [],
        embeds: [],
        linkPreviews: true,
        beforeWrite: async () => {},
      });
      const committedAt = performance.now();
      sendMs.push(committedAt - t);
      if (!('sent' in outcome)) fail('a send without a nonce was a replay');
      sent.push({ id: outcome.sent.id, committedAt });
      if (i % 200 === 0) tokens.push({ id: outcome.sent.id, token });
    })();
    inFlight.add(send);
    void send.finally(() => inFlight.delete(send));
  }
  await Promise.all(inFlight);
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = Date.now() + 300_000;
  while (sent.some((m) => !upsertedAt.has(m.id))) {
    if (Date.now() > deadline) fail('sent messages did not reach the index within 5 minutes');
    await sleep(20);
  }
  // Searchable through the port, not only present: each sampled message found by its own word.
  for (const { id, token } of tokens) {
    const page = await index.search({
      guildId: world.guildId,
      parentChannelIds: world.channelIds,
      terms: [token],
      phrases: [],
      excluded: [],
      sort: 'newest',
      limit: PAGE,
    });
    if (page.hits.length !== 1 || page.hits[0]!.id !== id)
      fail(`the message with ${token} is not found by it`);
  }
  const failed = await indexer.failed();
  await indexer.stop();
  await relay.stop();
  await bus.drain();
  if (failed > 0) fail(`the indexer failed ${failed} times`);
  return {
    messages: total,
    targetRate: FRESH_RATE,
    achievedRate: total / sendSeconds,
    late,
    settings: indexer.settings,
    freshness: summarize(sent.map((m) => upsertedAt.get(m.id)! - m.committedAt)),
    toBus: summarize(sent.map((m) => (publishedAt.get(m.id) ?? NaN) - m.committedAt).filter(Number.isFinite)),
    busToIndex: summarize(
      sent.map((m) => upsertedAt.get(m.id)! - (publishedAt.get(m.id) ?? NaN)).filter(Number.isFinite),
    ),
    send: summarize(sendMs),
  };
}

/**
 * BURST messages written to the store first (one unnest insert, untimed), then their MessageCreated
 * events published to the bus as fast as it takes them, with the worker bound and idle: sustained
 * events/s is BURST over the time from the first publish to the worker's last acknowledgement
 * (gochat_worker_events_processed_total), checked against the rows in message_search.
 */
async function measureBurst(
  db: Database,
  timeline: MessageTimeline,
  index: SearchIndex,
  world: SearchWorldSeed,
  worker: number,
  batchSize?: number,
): Promise<BurstResult> {
  const ids = createSnowflakeGenerator(worker);
  const content = contentGenerator(worker);
  const messages: TimelineMessage[] = Array.from({ length: BURST }, (_, i) => {
    const channelId = world.channelIds[i % world.channelIds.length]!;
    return {
      id: ids.next(),
      channelId,
      parentChannelId: channelId,
      guildId: world.guildId,
      authorId: world.authorIds[i % world.authorIds.length]!,
      kind: 'default',
      content: content.next().content,
      replyToId: null,
      mentions: NO_MENTIONS,
      attachments: [],
      editedAt: null,
      embeds: [],
      linkEmbeds: null,
      embedsSuppressed: false,
    };
  });
  await rawQuery(db)(
    `insert into messages (id, channel_id, parent_channel_id, guild_id, author_id, content)
     select m.id, m.channel, m.channel, $1::bigint, m.author, m.content
     from unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[]) as m(id, channel, author, content)`,
    [
      world.guildId,
      messages.map((m) => m.id),
      messages.map((m) => m.channelId),
      messages.map((m) => m.authorId),
      messages.map((m) => m.content),
    ],
  );
  const bus = createMemoryBus({ log: silentLogger });
  const indexer = await startIndexer({ db, timeline, index, bus, ...(batchSize ? { batchSize } : {}) });
  const events: BusEvent[] = messages.map((m) => ({
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    ...(newEvent('MessageCreated', subjects.channelMessages(m.guildId, m.channelId), {
      messageId: m.id,
      channelId: m.channelId,
      parentChannelId: m.parentChannelId,
      guildId: m.guildId,
      authorId: m.authorId,
      kind: 'default',
      content: m.content,
      replyToId: null,
      mentions: NO_MENTIONS,
      attachmentIds: [],
      embeds: [],
      linkPreviews: true,
    }) as Omit<BusEvent, 'id' | 'occurredAt'>),
  }));
  const started = performance.now();
  for (const event of events) await bus.publish(event);
  const published = performance.now();
  const deadline = Date.now() + 600_000;
  while ((await indexer.processed()) < BURST) {
    if (Date.now() > deadline) fail('the burst was not indexed within 10 minutes');
    await sleep(10);
  }
  const done = performance.now();
  const indexed = await count(
    db,
    sql`select count(*)::int as n from message_search
        where message_id = any(${bigintArray(messages.map((m) => m.id))}::bigint[]) and not deleted`,
  );
  const failed = await indexer.failed();
  const settings = indexer.settings;
  await indexer.stop();
  await bus.drain();
  if (indexed !== BURST) fail(`${indexed} of ${BURST} burst messages are in the index`);
  if (failed > 0) fail(`the indexer failed ${failed} times`);
  return {
    events: BURST,
    batchSize: settings.batchSize,
    lingerMs: settings.lingerMs,
    publishSeconds: (published - started) / 1000,
    seconds: (done - started) / 1000,
    perSecond: BURST / ((done - started) / 1000),
  };
}

async function openMode(
  mode: Mode,
): Promise<{ handle: DatabaseHandle; setup: string; cleanup: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-bench-search-'));
  const removeDir = () => fs.promises.rm(dataDir, { recursive: true, force: true });
  if (mode === 'pglite') {
    const handle = await openDatabase({ dataDir, poolSize: 1, log: silentLogger });
    return {
      handle,
      setup:
        'embedded PGlite (in-process WebAssembly PostgreSQL, shared_buffers 16 MB as `gochat start` runs it)',
      cleanup: async () => {
        if (flags.keep) console.error(`[pglite] --keep: the seeded data directory stays at ${dataDir}`);
        else await removeDir();
      },
    };
  }
  const { url, drop } = await createScratchDatabase();
  const handle = await openDatabase({ url, dataDir, poolSize: 10, log: silentLogger });
  const version = await queryRows<{ v: string }>(
    handle.db,
    sql`select current_setting('server_version') as v`,
  );
  return {
    handle,
    setup: `PostgreSQL ${version[0]?.v ?? '?'} on loopback (a throwaway database; pool of 10, the config default)`,
    cleanup: async () => {
      await removeDir();
      if (flags.keep) console.error(`[postgres] --keep: the seeded database stays at ${url}`);
      else await drop();
    },
  };
}

async function runMode(mode: Mode): Promise<ModeResult> {
  const log = (line: string) => console.error(`[${mode}] ${line} (load ${os.loadavg()[0]!.toFixed(2)})`);
  const { handle, setup, cleanup } = await openMode(mode);
  try {
    const { db } = handle;
    await handle.migrate();
    const query = rawQuery(db);
    const index = createPostgresSearchIndex(db);
    log(`seeding ${MESSAGES.toLocaleString('en')} messages`);
    const world = await seedGuild(query);
    const stats = await seedMessages(query, index, world, MESSAGES, log);
    const vacuumStart = performance.now();
    await db.execute(sql`vacuum analyze messages`);
    await db.execute(sql`vacuum analyze message_search`);
    // The seed wrote about 2 GB of WAL: flush it now, or the checkpoint it forces runs during the timings.
    await db.execute(sql`checkpoint`);
    const vacuumSeconds = (performance.now() - vacuumStart) / 1000;
    const sizes = (
      await queryRows<{ search: string; gin: string; messages: string }>(
        db,
        sql`select pg_total_relation_size('message_search')::text as search,
                   pg_relation_size('message_search_document')::text as gin,
                   pg_total_relation_size('messages')::text as messages`,
      )
    )[0]!;

    // The permissions as the search subgraph computes them: the readable channels of the searcher.
    // What the resolver reads on a guild search: the caller, the database, the index and the store.
    const ctx = {
      identity: { kind: 'user', userId: world.searcherId },
      requestId: 'bench',
      log: silentLogger,
      db,
      index,
      timeline: createPostgresTimeline(db),
    } as unknown as SearchContext;
    const scope = await guildScope(ctx, world.searcherId, world.guildId);
    if (scope.kind !== 'guild') fail('not a guild scope');
    const readable = scope.readable.map((c) => c.id);
    const expected = new Set(world.expectedReadable);
    if (readable.length !== expected.size || readable.some((id) => !expected.has(id)))
      fail(`readable channels: got ${readable.length}, expected ${expected.size}`);
    const readableSet = new Set(readable);

    const terms = pickTerms(stats, world);
    const results: ShapeResult[] = [];
    const list = shapes(world, readable, terms);
    for (const shape of list) {
      const matches = await count(db, shape.expected);
      const unhighlighted = await checkPage(
        db,
        shape,
        await index.search(shape.request),
        matches,
        readableSet,
      );
      log(`timing ${shape.label} (${matches} matches): ${RUNS} runs`);
      const timed = summarize(await sample(() => index.search(shape.request), RUNS, WARMUP));
      results.push({
        key: shape.key,
        label: shape.label,
        description: shape.description,
        matches,
        goalMs: shape.goalMs,
        index: timed,
        baseline: summarize([]),
        baselineMatches: 0,
        unhighlighted,
        ...(shape.baselineNote ? { baselineNote: shape.baselineNote } : {}),
      });
    }
    for (const [i, shape] of list.entries()) {
      log(`ILIKE baseline: ${shape.label}, ${BASELINE_RUNS} runs`);
      const page = await queryRows<{ message_id: string }>(db, shape.baseline);
      results[i]!.baselineMatches = page.length;
      results[i]!.baseline = summarize(await sample(() => queryRows(db, shape.baseline), BASELINE_RUNS, 1));
    }

    log('hostile inputs through the request path');
    const bad = await measureBadInputs(ctx, world, stats);

    log('EXPLAIN ANALYZE');
    const plans: Plan[] = [];
    for (const shape of list)
      plans.push(await explain(db, `${shape.label}: ${shape.description}`, (i) => i.search(shape.request)));
    const worst = bad.filter((b) => !b.rejected).sort((a, b) => b.latency.max - a.latency.max)[0];
    if (worst)
      plans.push(
        await explain(db, `worst hostile input: ${worst.label}`, async (i) => {
          const scope = await guildScope(ctx, world.searcherId, world.guildId);
          const request = await buildRequest({ ...ctx, index: i }, scope, {
            query: worst.query,
            sort: worst.sort,
            limit: PAGE,
          });
          if (request) await i.search(request);
        }),
      );
    const rareBaseline = list.find((s) => s.key === 'rare')!.baseline;
    const baselinePlan = await queryRows<Record<string, string>>(
      db,
      sql`explain (analyze, buffers) ${rareBaseline}`,
    );
    plans.push({
      label: 'ILIKE baseline, rare term',
      plans: [baselinePlan.map((r) => Object.values(r)[0]).join('\n')],
    });

    const timeline = createPostgresTimeline(db);
    const indexingLoad = [os.loadavg()[0]!];
    log(
      `freshness: ${FRESH_RATE} messages/s for ${FRESH_SECONDS} s through the send transaction, outbox, bus, worker`,
    );
    const freshness = await measureFreshness(db, timeline, index, world);
    log(`sustained: ${BURST} events published at once (default batch size)`);
    const bursts = [await measureBurst(db, timeline, index, world, 902)];
    log(`sustained: ${BURST} events published at once (batch size 500)`);
    bursts.push(await measureBurst(db, timeline, index, world, 903, 500));
    indexingLoad.push(os.loadavg()[0]!);

    return {
      mode,
      setup,
      messages: MESSAGES,
      stats,
      vacuumSeconds,
      sizes: { search: Number(sizes.search), gin: Number(sizes.gin), messages: Number(sizes.messages) },
      world,
      readable: readable.length,
      terms,
      shapes: results,
      bad,
      plans,
      freshness,
      bursts,
      indexingLoad,
    };
  } finally {
    await handle.close();
    await cleanup().catch((error: unknown) => console.error(error));
  }
}

const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return os.loadavg().join(' ');
  }
};

const mode = positionals[0];
if (mode !== undefined && mode !== 'postgres' && mode !== 'pglite')
  throw new Error(`unknown mode ${mode}: postgres or pglite`);
const modes: Mode[] = mode === undefined ? ['postgres', 'pglite'] : [mode];
const before = uptime();
const startedAt = new Date();
const loadSamples: number[] = [];
const sampler = setInterval(() => loadSamples.push(os.loadavg()[0]!), 5_000);
const results: ModeResult[] = [];
try {
  for (const m of modes) results.push(await runMode(m));
} finally {
  clearInterval(sampler);
}
report(results, {
  startedAt,
  finishedAt: new Date(),
  uptimeBefore: before,
  uptimeAfter: uptime(),
  maxLoad: Math.max(0, ...loadSamples),
  runs: RUNS,
  warmup: WARMUP,
  baselineRuns: BASELINE_RUNS,
  badRuns: BAD_RUNS,
});
