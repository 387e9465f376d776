/** The Markdown report of bench:fanout (stdout): per-server steps, then the side-by-side table. */
import os from 'node:os';

import type { Flags } from './flags.ts';
import type { Percentiles, StepResult } from './load.ts';
import type { Counters } from './target.ts';

/** RSS and used JS heap (KB) after a forced GC, before and after the connections opened. */
export interface Memory {
  before: { rssKb: number; heapKb: number };
  after: { rssKb: number; heapKb: number };
}

export interface ManyResult {
  count: number;
  subscribeSeconds: number;
  memory: Memory;
  counters: Counters;
  probe: { allMs: number; latency: Percentiles };
}

export interface TargetResult {
  label: string;
  subscribers: number;
  subscribeSeconds: number;
  memory: Memory;
  idle: Counters;
  firstProbe: { allMs: number; latency: Percentiles };
  steps: StepResult[];
  maxRate: number;
  half: StepResult[];
  perEvent: { payloads: number; hydrations: number; serverDeliveries: number };
  frameBytes: number;
  sampleFrame: string | undefined;
  problems: string[];
  many: ManyResult | undefined;
}

const ms = (n: number) => (n === Infinity ? 'lost' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const int = (n: number) => Math.round(n).toLocaleString('en');
const perConnection = (memory: Memory, count: number) =>
  `${((memory.after.rssKb - memory.before.rssKb) / count).toFixed(1)} KB RSS, ` +
  `${((memory.after.heapKb - memory.before.heapKb) / count).toFixed(1)} KB JS heap`;
const memoryLine = (memory: Memory, count: number) =>
  `RSS ${int(memory.before.rssKb)} KB -> ${int(memory.after.rssKb)} KB, JS heap ${int(memory.before.heapKb)} KB -> ` +
  `${int(memory.after.heapKb)} KB (after a forced GC): ${perConnection(memory, count)} per subscribed connection`;

function stepTable(steps: StepResult[], subscribers: number): string[] {
  const lines = [
    '| msg/s | offered deliveries/s | achieved deliveries/s | p50 ms | p95 ms | p99 ms | lost (> 5 s late) | first→last subscriber p50 / p99 ms | send errors | send call p50 / p99 ms | CPU % socket process / other servers / generator | verdict |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of steps)
    lines.push(
      `| ${s.rate} | ${int(s.rate * subscribers)} | ${int(s.deliveriesPerSecond)} | ${ms(s.latency.p50)} | ${ms(s.latency.p95)} | ` +
        `${ms(s.latency.p99)} | ${int(s.lost)} | ${ms(s.spread.p50)} / ${ms(s.spread.p99)} | ${s.sendErrors}${s.firstError ? ` (${s.firstError.slice(0, 80)})` : ''} | ` +
        `${ms(s.sendRtt.p50)} / ${ms(s.sendRtt.p99)} | ${s.cpu.server.toFixed(0)} / ${s.cpu.others.toFixed(0)} / ${s.cpu.generator.toFixed(0)} | ` +
        `${s.broke ? `broke: ${s.broke}` : 'ok'} |`,
    );
  return lines;
}

export function printReport(
  results: TargetResult[],
  flags: Flags,
  load: { before: number[]; after: number[]; max: number; minutes: number },
): void {
  const cpu = os.cpus();
  const out: string[] = [];
  out.push(`# bench:fanout, ${new Date().toISOString()} (${load.minutes.toFixed(1)} min)`, '');
  out.push(
    `Machine: ${cpu.length} x ${cpu[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
      `Load average (1/5/15 min) before: ${load.before.map((l) => l.toFixed(2)).join(' ')}, after: ` +
      `${load.after.map((l) => l.toFixed(2)).join(' ')}; highest 1-min load sampled during the run: ${load.max.toFixed(2)}.`,
  );
  out.push(
    `${flags.subscribers} subscribers (one channel, one document), ${flags.senders} senders, steps of ` +
      `${flags.warmupSeconds} s warm-up + ${flags.stepSeconds} s measured at ${flags.rates.join(', ')} msg/s until one breaks ` +
      '(p99 > 1 s, deliveries/s < 90% of offered, or a send error), then bisection (geometric means) between the last ' +
      `good and the first broken rate until they are within ×${flags.precision}; then 10 s at half the maximum.`,
    '',
  );
  const floor = results.find((r) => r.label.startsWith('raw'));
  for (const r of results) {
    out.push(`## ${r.label}`, '');
    out.push(
      `${r.subscribers} connections subscribed in ${r.subscribeSeconds.toFixed(1)} s; the first event reached all in ` +
        `${r.firstProbe.allMs.toFixed(0)} ms. Idle: ${memoryLine(r.memory, r.subscribers)}; server counts ${r.idle.connections} ` +
        `connections, ${r.idle.subscriptions} subscriptions, ${r.idle.busSubscriptions} bus subscriptions. ` +
        `Frame: ${r.frameBytes} bytes. Per event: ${r.perEvent.payloads.toFixed(2)} payload builds, ` +
        `${r.perEvent.hydrations.toFixed(2)} hydrations, ${r.perEvent.serverDeliveries.toFixed(0)} frames written.`,
      '',
    );
    out.push(...stepTable(r.steps, r.subscribers), '');
    if (r.half.length) out.push('At half the maximum:', '', ...stepTable(r.half, r.subscribers), '');
    if (r.problems.length) out.push(`Subscriber problems: ${r.problems.join('; ')}`, '');
    if (r.many)
      out.push(
        `Many connections (fresh router): ${int(r.many.count)} subscribed in ${r.many.subscribeSeconds.toFixed(0)} s ` +
          `(${int(r.many.count / r.many.subscribeSeconds)}/s); the router counts ${r.many.counters.connections} ` +
          `connections, ${r.many.counters.subscriptions} channelEvents subscriptions, ${r.many.counters.busSubscriptions} bus subscriptions; ` +
          `${memoryLine(r.many.memory, r.many.count)}; ` +
          `one event reached all ${int(r.many.count)} in ${r.many.probe.allMs.toFixed(0)} ms ` +
          `(p50 ${ms(r.many.probe.latency.p50)}, p99 ${ms(r.many.probe.latency.p99)} ms).`,
        '',
      );
  }

  out.push('## Side by side', '');
  const columns = results.map((r) => r.label);
  out.push(`| | ${columns.join(' | ')} |`, `| --- |${columns.map(() => ' --- |').join('')}`);
  const row = (name: string, cell: (r: TargetResult) => string) =>
    out.push(`| ${name} | ${results.map(cell).join(' | ')} |`);
  const atMax = (r: TargetResult) => r.steps.find((s) => s.rate === r.maxRate);
  // Steps are sorted by rate: the first broken one above the maximum brackets it.
  const broke = (r: TargetResult) => r.steps.find((s) => s.broke && s.rate > r.maxRate);
  row(
    'max sustainable rate (msg/s)',
    (r) => `${r.maxRate}${broke(r) ? ` (broke at ${broke(r)!.rate}: ${broke(r)!.broke})` : ' (never broke)'}`,
  );
  row('deliveries/s at that rate', (r) => int(atMax(r)?.deliveriesPerSecond ?? 0));
  row('deliveries/s vs floor', (r) =>
    floor && atMax(floor)
      ? `${((atMax(r)?.deliveriesPerSecond ?? 0) / atMax(floor)!.deliveriesPerSecond).toFixed(2)}×`
      : '-',
  );
  // The true maxima lie in [max, first broken): the ratio lies between these two bounds.
  row('max rate vs floor (bounds)', (r) => {
    const f = floor && broke(floor);
    if (!floor || r === floor || !f || !floor.maxRate) return '-';
    const low = r.maxRate / f.rate;
    const high = (broke(r)?.rate ?? r.maxRate) / floor.maxRate;
    return `${low.toFixed(2)}× to ${high.toFixed(2)}×`;
  });
  row(
    'p50 / p99 at half the max (ms)',
    (r) =>
      r.half.map((h) => `${ms(h.latency.p50)} / ${ms(h.latency.p99)} at ${h.rate} msg/s`).join('; ') || '-',
  );
  row('goal: p99 ≤ 2 × floor p99 + 10 ms', (r) => {
    if (r === floor || !floor) return '-';
    return r.half
      .map((h) => {
        const f = floor.half.find((x) => x.rate === h.rate);
        if (!f) return '-';
        const goal = 2 * f.latency.p99 + 10;
        return `${ms(h.latency.p99)} vs ${ms(goal)}: ${h.latency.p99 <= goal ? 'met' : 'missed'} (${(h.latency.p99 / goal).toFixed(2)}×)`;
      })
      .join('; ');
  });
  row(
    'first→last subscriber p50 / p99 at half the max (ms)',
    (r) =>
      r.half.map((h) => `${ms(h.spread.p50)} / ${ms(h.spread.p99)} at ${h.rate} msg/s`).join('; ') || '-',
  );
  row('memory per idle subscribed connection', (r) => perConnection(r.memory, r.subscribers));
  row(
    'payload builds / hydrations per event',
    (r) => `${r.perEvent.payloads.toFixed(2)} / ${r.perEvent.hydrations.toFixed(2)}`,
  );
  row('frame bytes', (r) => String(r.frameBytes));
  console.log(out.join('\n'));
}
