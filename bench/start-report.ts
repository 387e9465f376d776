/** The Markdown report of bench:start (stdout): each process's start time and memory, median and spread. */
import os from 'node:os';

export interface Sample {
  /** From spawn to /ready answering 200. */
  readyMs: number;
  /** CPU seconds (user + system) the process used until then: less sensitive to a busy machine. */
  cpuS: number;
  readyRssKb: number;
  /** RSS after the process sat idle for a while once ready. */
  idleRssKb: number;
  /** The time 1,000 sequential sends took, and the RSS after them (GoChat's cold runs only). */
  sendSeconds?: number;
  afterMessagesRssKb?: number;
}

export interface Results {
  node: { cold: Sample[] };
  pglite: { cold: Sample[]; warm: Sample[] };
  gochat: { cold: Sample[]; warm: Sample[] };
}

export interface RunInfo {
  runs: number;
  nodeArgs: string[];
  messages: number;
  idleMs: number;
  loadBefore: number[];
  loadAfter: number[];
  minutes: number;
}

/** "median (min–max)" of the defined values, or "-". */
function spread(values: Array<number | undefined>, format: (n: number) => string): string {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (!sorted.length) return '-';
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return `${format(median)} (${format(sorted[0]!)}–${format(sorted.at(-1)!)})`;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mb = (kb: number) => (kb / 1024).toFixed(0);

export function printStartReport(results: Results, info: RunInfo): void {
  const cpu = os.cpus();
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const rows: Array<[string, Sample[]]> = [
    ['bare `node` (an HTTP server answering /ready)', results.node.cold],
    ['bare PGlite, cold (empty directory)', results.pglite.cold],
    ['bare PGlite, warm (same directory again)', results.pglite.warm],
    ['GoChat embedded, cold (empty data directory)', results.gochat.cold],
    ['GoChat embedded, warm (same data directory again)', results.gochat.warm],
  ];
  const out = [
    `# bench:start, ${new Date().toISOString()} (${info.minutes.toFixed(1)} min)`,
    '',
    `Machine: ${cpu.length} x ${cpu[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
      `Load average (1/5/15 min) before: ${load(info.loadBefore)}, after: ${load(info.loadAfter)}.`,
    `${info.runs} runs, interleaved (node, PGlite cold and warm, GoChat cold and warm, then again). Ready: spawn to ` +
      `/ready answering 200 (polled every 10 ms). CPU: user + system seconds of the process until then. RSS: ` +
      `VmRSS at ready, and after ${info.idleMs / 1000} s idle (V8's memory reducer runs about 8 s after the last ` +
      `collection once allocation is quiet). GoChat runs with \`npm start\`'s Node flags (${info.nodeArgs.join(' ') || 'none'}). GoChat's cold runs then sign up one user, create a guild ` +
      `and send ${info.messages} messages one after the other through the router; RSS ${info.idleMs / 1000} s after the last one. ` +
      'Median (min–max).',
    '',
    `| process | ready (s) | CPU until ready (s) | RSS at ready (MB) | RSS after ${info.idleMs / 1000} s idle (MB) | ${info.messages} sends (s) | RSS after ${info.messages} messages (MB) |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      ([name, samples]) =>
        `| ${name} | ${spread(
          samples.map((s) => s.readyMs),
          seconds,
        )} | ${spread(
          samples.map((s) => s.cpuS),
          (n) => n.toFixed(2),
        )} | ${spread(
          samples.map((s) => s.readyRssKb),
          mb,
        )} | ${spread(
          samples.map((s) => s.idleRssKb),
          mb,
        )} | ${spread(
          samples.map((s) => s.sendSeconds),
          (n) => n.toFixed(1),
        )} | ${spread(
          samples.map((s) => s.afterMessagesRssKb),
          mb,
        )} |`,
    ),
    '',
  ];
  console.log(out.join('\n'));
}
