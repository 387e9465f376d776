/** bench:media's report: markdown tables on stdout (bench/media.ts measures). */
import os from 'node:os';

import { percentiles } from './timing.ts';

/** One upload through the whole flow, in milliseconds per step. */
export interface FlowSample {
  create: number;
  put: number;
  complete: number;
  /** From completeUpload's answer to READY (0 when it answered READY, processed inline). */
  ready: number;
  whole: number;
  inline: boolean;
}

/** `count` jobs at one concurrency: each job's milliseconds and the wall time of all. */
export interface Timed<T> {
  samples: T[];
  seconds: number;
}

export interface ConcurrencyRun {
  concurrency: number;
  uploads: number;
  flow: Timed<FlowSample>;
  barePut: Timed<number>;
  floor: Timed<number>;
}

/** The 25 MiB phase as the client saw it. */
export interface RssPhase {
  uploads: number;
  bytes: number;
  /** How often each upload was polled after completeUpload answered PROCESSING. */
  pollMs: number;
  seconds: number;
  steps: FlowSample[];
  /** VmRSS readings per process (every process is read in the same tick). */
  samples: number;
  inline: number;
}

/** One process's memory around the 25 MiB phase, in kB of /proc/<pid>/status. */
export interface PhaseMemory {
  beforeKb: number;
  peakKb: number;
  hwmBeforeKb: number;
  hwmAfterKb: number;
}

/** A process measured against the memory goal. */
export interface MeasuredProcess extends PhaseMemory {
  /** What it runs: the monolith, subgraph:media, router. */
  process: string;
  /** VmRSS once every process listened and a user signed up, before any upload. */
  rssAtStartKb: number;
  /** VmHWM after the throughput runs, before the RSS phase. */
  hwmAfterThroughputKb: number;
}

/** Every process of a mode: VmRSS after start and sign-up, VmHWM just before SIGTERM. */
export interface ProcessFootprint {
  process: string;
  rssAtStartKb: number;
  hwmEndKb: number;
}

export interface ProcessExit {
  process: string;
  code: number | string;
}

export interface ModeResult {
  name: string;
  /** What the mode's memory rows measure, printed under the table. */
  memoryNote: string;
  runs: ConcurrencyRun[];
  rss: RssPhase;
  measured: MeasuredProcess[];
  all: ProcessFootprint[];
  /** Each GoChat process's exit on SIGTERM, in the order the processes listened. */
  exits: ProcessExit[];
}

export interface ReportInfo {
  quick: boolean;
  jpeg: { width: number; height: number; bytes: number };
  processingConcurrency: number;
  nodeArgs: string[];
  loadBefore: number[];
  loadAfter: number[];
  minutes: number;
  goals: { floorRatio: number; peakRssMb: number };
}

export const mb = (kb: number) => (kb / 1024).toFixed(0);
const rate = (count: number, seconds: number) => count / seconds;
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const pair = (samples: number[]) => {
  const l = percentiles(samples);
  return `${l.p50.toFixed(0)} / ${l.p99.toFixed(0)}`;
};
const steps = (s: FlowSample[]) => [
  pair(s.map((x) => x.create)),
  pair(s.map((x) => x.put)),
  pair(s.map((x) => x.complete)),
  pair(s.map((x) => x.ready)),
  pair(s.map((x) => x.whole)),
];
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');

/** A markdown table: the header, a separator of as many columns, the rows. */
function table(header: string[], rows: string[][]): string[] {
  for (const row of rows)
    if (row.length !== header.length) throw new Error(`row of ${row.length} cells under ${header.length}`);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((h) => '-'.repeat(Math.max(3, h.length)))), ...rows.map(line)];
}

export function printMediaReport(modes: ModeResult[], info: ReportInfo) {
  const lines: string[] = [];
  const out = (...text: string[]) => lines.push(...(text.length ? text : ['']));
  const cpu = os.cpus();
  const runs = modes.flatMap((mode) => mode.runs.map((run) => ({ mode, run })));
  const big = modes[0]?.rss;
  out(
    `# bench:media (${new Date().toISOString().slice(0, 16).replace('T', ' ')})${info.quick ? ' --quick' : ''}`,
  );
  out();
  out(
    `Machine: ${cpu.length} cores (${cpu[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}; GoChat run as \`node ${[...info.nodeArgs, 'bin/gochat.js start [role]'].join(' ')}\`, ` +
      `media.processingConcurrency ${info.processingConcurrency}. Load average ${load(info.loadBefore)} before, ` +
      `${load(info.loadAfter)} after; ${info.minutes.toFixed(1)} min.`,
  );
  out(
    `Image: one ${info.jpeg.width}×${info.jpeg.height} JPEG (${f2((info.jpeg.width * info.jpeg.height) / 1e6)} MP, ` +
      `${(info.jpeg.bytes / 2 ** 20).toFixed(2)} MiB), the same bytes for every upload; previews WebP 320/640/1280 and a blurhash.`,
  );
  out();
  out('## Throughput (uploads/s; end to end = create, PUT, complete, preview ready)');
  out();
  out(
    ...table(
      [
        'store',
        'parallel',
        'uploads',
        'end to end',
        'processing floor',
        `end to end / floor (goal ≥ ${f2(info.goals.floorRatio)})`,
        'bare PUT',
        'bare PUT (MiB/s)',
        'completed inline',
      ],
      runs.map(({ mode, run }) => {
        const e2e = rate(run.flow.samples.length, run.flow.seconds);
        const floor = rate(run.floor.samples.length, run.floor.seconds);
        const put = rate(run.barePut.samples.length, run.barePut.seconds);
        const ratio = e2e / floor;
        return [
          mode.name,
          String(run.concurrency),
          String(run.uploads),
          f2(e2e),
          f2(floor),
          `${f2(ratio)} (${ratio >= info.goals.floorRatio ? 'met' : 'NOT met'})`,
          f1(put),
          f1((put * info.jpeg.bytes) / 2 ** 20),
          `${run.flow.samples.filter((x) => x.inline).length}/${run.uploads}`,
        ];
      }),
    ),
  );
  out();
  out('## Latency per step, p50 / p99 (ms)');
  out();
  out(
    ...table(
      [
        'store',
        'parallel',
        'createUpload',
        'PUT',
        'completeUpload',
        'then until READY',
        'whole upload',
        'bare PUT',
        'floor: processImage',
      ],
      [
        ...runs.map(({ mode, run }) => [
          mode.name,
          String(run.concurrency),
          ...steps(run.flow.samples),
          pair(run.barePut.samples),
          pair(run.floor.samples),
        ]),
        ...modes.map((mode) => [
          mode.name,
          `${mode.rss.uploads} × ${(mode.rss.bytes / 2 ** 20).toFixed(0)} MiB (RSS phase)`,
          ...steps(mode.rss.steps),
          '-',
          '-',
        ]),
      ],
    ),
  );
  out();
  out(
    `The RSS phase's files are over the inline limit: completeUpload answers PROCESSING and each upload is ` +
      `polled every ${big?.pollMs ?? 0} ms (the photos: every 25 ms, when needed). ` +
      `The floor's processImage time is the call alone (queue wait for one of the ${info.processingConcurrency} pool slots excluded); ` +
      'its throughput is all jobs over the wall time.',
  );
  out();
  out(
    `## Peak RSS per process: ${big?.uploads ?? 0} uploads of ${((big?.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB at once ` +
      '(random bytes as application/octet-stream; create, PUT, complete, then polled until READY)',
  );
  out();
  out(
    ...table(
      [
        'store',
        'process',
        'RSS after start and sign-up, before any upload (MB)',
        'VmHWM after the throughput runs (MB)',
        'RSS before the phase (MB)',
        'peak RSS, VmRSS every 50 ms (MB)',
        'VmHWM before → after (MB)',
        'all READY after (s)',
        'completed inline',
        `goal < ${info.goals.peakRssMb} MB`,
      ],
      modes.flatMap((mode) =>
        mode.measured.map((p) => [
          mode.name,
          p.process,
          mb(p.rssAtStartKb),
          mb(p.hwmAfterThroughputKb),
          mb(p.beforeKb),
          `${mb(p.peakKb)} (${mode.rss.samples} samples)`,
          `${mb(p.hwmBeforeKb)} → ${mb(p.hwmAfterKb)}`,
          f1(mode.rss.seconds),
          `${mode.rss.inline}/${mode.rss.uploads}`,
          p.peakKb / 1024 < info.goals.peakRssMb ? 'met' : 'NOT met',
        ]),
      ),
    ),
  );
  out();
  for (const mode of modes) out(`- ${mode.memoryNote}`);
  out();
  out(
    'Every GoChat process, VmRSS after start and sign-up → VmHWM at the end (MB): ' +
      modes
        .map(
          (mode) =>
            `${mode.name}: ${mode.all.map((p) => `${p.process} ${mb(p.rssAtStartKb)} → ${mb(p.hwmEndKb)}`).join(', ')}`,
        )
        .join('; ') +
      '. MB here is 1,024 kB of /proc/<pid>/status, as in bench:start.',
  );
  out();
  out(
    'Exit on SIGTERM: ' +
      modes
        .map(
          (mode) =>
            `${mode.name}: ${mode.exits.map((e) => `${e.process} ${e.code}${e.code === 0 ? '' : ' (NOT 0)'}`).join(', ')}`,
        )
        .join('; ') +
      (modes.every((m) => m.exits.every((e) => e.code === 0)) ? ' (all 0, ok).' : '.'),
  );
  console.log(lines.join('\n'));
}
