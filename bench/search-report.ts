/** bench:search's report: markdown on stdout (bench/search.ts measures). */
import fs from 'node:fs';
import os from 'node:os';

import type { WorkerSettings } from '../workers/harness/index.ts';
import type { SearchWorldSeed, SeedStats } from './search-seed.ts';
import { percentiles, type Latency } from './timing.ts';

export interface Summary extends Latency {
  max: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) return { p50: NaN, p99: NaN, mean: NaN, max: NaN, samples: 0 };
  return { ...percentiles(samples), max: Math.max(...samples) };
}

export interface ShapeResult {
  key: string;
  label: string;
  description: string;
  /** Messages matching in the searcher's readable channels. */
  matches: number;
  goalMs: number | null;
  index: Summary;
  baseline: Summary;
  /** Rows the ILIKE page returned (at most the page size). */
  baselineMatches: number;
  baselineNote?: string;
  /** Hits of the first page without highlights (the word only inside a link). */
  unhighlighted: number;
}

export interface BadInputResult {
  label: string;
  query: string;
  sort: 'NEWEST' | 'RELEVANCE';
  outcome: string;
  rejected: boolean;
  latency: Summary;
}

export interface FreshnessResult {
  messages: number;
  targetRate: number;
  achievedRate: number;
  /** Sends started more than 50 ms after their due time. */
  late: number;
  settings: WorkerSettings;
  freshness: Summary;
  /** Commit to the outbox relay's publish (a live subscriber's call). */
  toBus: Summary;
  /** Publish to the worker's upsert returning. */
  busToIndex: Summary;
  send: Summary;
}

export interface BurstResult {
  events: number;
  batchSize: number;
  lingerMs: number;
  publishSeconds: number;
  seconds: number;
  perSecond: number;
}

export interface Plan {
  label: string;
  plans: string[];
}

export interface ModeResult {
  mode: string;
  setup: string;
  messages: number;
  stats: SeedStats;
  vacuumSeconds: number;
  sizes: { search: number; gin: number; messages: number };
  world: SearchWorldSeed;
  readable: number;
  terms: { rare: string; rareMessages: number; common: string; commonMessages: number; phrase: string };
  shapes: ShapeResult[];
  bad: BadInputResult[];
  plans: Plan[];
  freshness: FreshnessResult;
  bursts: BurstResult[];
  /** 1-min load average when the indexing phase started and ended. */
  indexingLoad: number[];
}

export interface RunInfo {
  startedAt: Date;
  finishedAt: Date;
  uptimeBefore: string;
  uptimeAfter: string;
  maxLoad: number;
  runs: number;
  warmup: number;
  baselineRuns: number;
  badRuns: number;
}

const ms = (n: number) => (Number.isNaN(n) ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(2));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const verdict = (met: boolean) => (met ? 'met' : '**NOT MET**');
/** How many times faster the index is (below 1: the baseline is faster). */
const times = (baseline: number, index: number) => {
  const r = baseline / index;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;
};

function cpuModel(): string {
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? os.cpus()[0]?.model ?? 'CPU';
  } catch {
    return os.cpus()[0]?.model ?? 'CPU';
  }
}

function printMode(r: ModeResult, info: RunInfo): void {
  const s = r.stats;
  console.log(`## ${r.mode}: ${r.setup}\n`);
  console.log(
    `Seed: ${r.messages.toLocaleString('en')} messages in ${s.seconds.total.toFixed(0)} s ` +
      `(store inserts ${s.seconds.store.toFixed(0)} s; \`index.upsert\` in batches of 5,000 ${s.seconds.index.toFixed(0)} s, ` +
      `${(r.messages / s.seconds.index).toFixed(0)} documents/s), then \`vacuum analyze\` and \`checkpoint\` ${r.vacuumSeconds.toFixed(0)} s. ` +
      `message_search ${mb(r.sizes.search)} with its indexes (GIN ${mb(r.sizes.gin)}), messages ${mb(r.sizes.messages)}.`,
  );
  console.log(
    `The searcher may read ${r.readable} of ${s.perChannel.length} channels (computed by the search subgraph's \`guildScope\`), ` +
      `holding ${s.readableMessages.toLocaleString('en')} messages (${((100 * s.readableMessages) / r.messages).toFixed(1)}%). ` +
      `Messages per channel: ${s.perChannel.map((n) => n.toLocaleString('en')).join(', ')}. Links: ${s.links.toLocaleString('en')}.\n`,
  );
  console.log(
    `Query shapes at the port (\`index.search\`, limit 25; ${info.runs} runs after ${info.warmup} warm-up), ` +
      `ILIKE baseline on \`messages\` with the same channels (${info.baselineRuns} runs after 1 warm-up). Times in ms.\n`,
  );
  console.log(
    '| query | matches (readable) | index p50 | index p99 | index mean | ILIKE p50 | ILIKE max | ILIKE p50 / index p50 (below 1×: ILIKE faster) | goal: index p99 ≤ 50 ms |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const q of r.shapes)
    console.log(
      `| ${q.label}: ${q.description} | ${q.matches.toLocaleString('en')} | ${ms(q.index.p50)} | ${ms(q.index.p99)} | ${ms(q.index.mean)} | ` +
        `${ms(q.baseline.p50)} | ${ms(q.baseline.max)}${q.baselineNote ? ` (${q.baselineNote})` : ''} | ` +
        `${times(q.baseline.p50, q.index.p50)} | ${q.goalMs === null ? 'no goal (reported)' : verdict(q.index.p99 <= q.goalMs)} |`,
    );
  const bare = r.shapes.filter((q) => q.unhighlighted > 0);
  if (bare.length > 0)
    console.log(
      `\nHits without highlights on the checked first page (the word only inside a link, which ts_headline's parser keeps whole): ` +
        `${bare.map((q) => `${q.key} ${q.unhighlighted} of 25`).join(', ')}.`,
    );
  const f = r.freshness;
  console.log(
    `\nIndexing through the indexer worker (harness defaults: batchSize ${f.settings.batchSize}, lingerMs ${f.settings.lingerMs}; memory bus; ` +
      `1-min load ${r.indexingLoad.map((l) => l.toFixed(2)).join(' → ')}):\n`,
  );
  console.log('| measure | result |');
  console.log('| --- | --- |');
  console.log(
    `| freshness, send committed → the worker's upsert returned, ${f.messages} sends at ${f.achievedRate.toFixed(0)}/s (target ${f.targetRate}) | ` +
      `p50 ${ms(f.freshness.p50)} ms, p99 ${ms(f.freshness.p99)} ms, max ${ms(f.freshness.max)} ms; goal p99 ≤ 1000 ms: ${verdict(f.freshness.p99 <= 1000)} |`,
  );
  console.log(
    `| of which: commit → published by the outbox relay | p50 ${ms(f.toBus.p50)} ms, p99 ${ms(f.toBus.p99)} ms |`,
  );
  console.log(
    `| of which: published → upserted by the worker | p50 ${ms(f.busToIndex.p50)} ms, p99 ${ms(f.busToIndex.p99)} ms |`,
  );
  console.log(
    `| send transaction under that load (messages subgraph's \`send\`) | p50 ${ms(f.send.p50)} ms, p99 ${ms(f.send.p99)} ms${f.late ? `; ${f.late} sends started > 50 ms late` : ''} |`,
  );
  for (const b of r.bursts)
    console.log(
      `| sustained: ${b.events.toLocaleString('en')} events published at once, batchSize ${b.batchSize} | ` +
        `${b.perSecond.toFixed(0)} messages/s (${b.seconds.toFixed(1)} s; publishing took ${b.publishSeconds.toFixed(2)} s) |`,
    );
  console.log(
    `\nHostile inputs through the request path (the search subgraph's \`searchMessages\` resolver; 1 + ${info.badRuns} runs, rejected ones 1 + 50):\n`,
  );
  console.log('| input | sort | outcome | p50 (ms) | max (ms) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const b of r.bad)
    console.log(
      `| ${b.label} | ${b.sort.toLowerCase()} | ${b.outcome} | ${ms(b.latency.p50)} | ${ms(b.latency.max)} |`,
    );
  const searched = r.bad.filter((b) => !b.rejected);
  const worst = searched.reduce((a, b) => (b.latency.max > a.latency.max ? b : a), searched[0]!);
  const worstRejected = Math.max(...r.bad.filter((b) => b.rejected).map((b) => b.latency.max));
  console.log(
    `\nWorst accepted input: ${worst.label} (${worst.sort.toLowerCase()}), max ${ms(worst.latency.max)} ms. ` +
      `Slowest rejection: ${ms(worstRejected)} ms.\n`,
  );
  const goals = r.shapes.filter((q) => q.goalMs !== null);
  const rare = r.shapes.find((q) => q.key === 'rare')!;
  const ratio = rare.baseline.p50 / rare.index.p50;
  console.log('Goals:\n');
  console.log(
    `- p99 ≤ 50 ms for every shape but relevance: ${verdict(goals.every((q) => q.index.p99 <= 50))} ` +
      `(${goals.map((q) => `${q.key} ${ms(q.index.p99)}`).join(', ')}; relevance p99 ${ms(r.shapes.find((q) => q.key === 'relevance')!.index.p99)} ms, no goal).`,
  );
  console.log(
    `- freshness p99 ≤ 1 s at 200 messages/s: ${verdict(f.freshness.p99 <= 1000)} (${ms(f.freshness.p99)} ms).`,
  );
  console.log(
    `- ≥ 100× faster than ILIKE on the rare term: ${verdict(ratio >= 100)} (${times(rare.baseline.p50, rare.index.p50)} at p50, ` +
      `${times(rare.baseline.max, rare.index.p99)} ILIKE max over index p99).\n`,
  );
}

export function report(results: ModeResult[], info: RunInfo): void {
  console.log(`# bench:search, ${info.startedAt.toISOString()} to ${info.finishedAt.toISOString()}\n`);
  console.log(
    `Machine: ${os.cpus().length} cores (nproc), ${cpuModel()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
      `\`uptime\` before: \`${info.uptimeBefore}\`; after: \`${info.uptimeAfter}\`; highest 1-min load sampled every 5 s: ${info.maxLoad.toFixed(2)}.\n`,
  );
  for (const r of results) printMode(r, info);
  console.log('## Plans (EXPLAIN (ANALYZE, BUFFERS) of the statements each search ran)\n');
  for (const r of results)
    for (const p of r.plans) {
      console.log(`### ${r.mode}: ${p.label}\n`);
      for (const plan of p.plans) console.log('```\n' + plan + '\n```\n');
    }
}
