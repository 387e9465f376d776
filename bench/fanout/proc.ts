/** What bench:fanout reads about server processes: RSS and CPU from /proc, counters from /metrics. */
import fs from 'node:fs';

import { collectGarbage } from './inspector.ts';

/** Resident set size of a process in KB (VmRSS of /proc/<pid>/status). */
export function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/**
 * Memory of a server process at rest: after `settleMs`, a forced full GC (through its inspector),
 * then the median of five RSS samples 200 ms apart (one sample can land mid-allocation).
 */
export async function memoryAtRest(
  pid: number,
  inspector: string,
  settleMs: number,
): Promise<{ rssKb: number; heapKb: number }> {
  await new Promise((r) => setTimeout(r, settleMs));
  const heapKb = await collectGarbage(inspector);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 200));
    samples.push(rssKb(pid));
  }
  return { rssKb: samples.sort((a, b) => a - b)[2]!, heapKb };
}

// USER_HZ is 100 on every Linux this runs on (getconf CLK_TCK).
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Sum of the samples of a Prometheus metric whose labels contain `labels` (e.g. field="x"). */
export function metricSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labels && !rest.includes(labels)) continue;
    sum += Number(rest.slice(rest.lastIndexOf(' ') + 1));
  }
  return sum;
}
