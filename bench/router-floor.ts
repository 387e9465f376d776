/**
 * The router floor of bench:history (`npx tsx bench/history.ts floor [pglite|postgres]`): what a
 * request costs before any data is read, split by what it goes through. Probes run interleaved in
 * rounds, so a burst of other work on the shared machine hits all of them alike; the router
 * process's CPU time (from /proc) is counted per probe, which load on the machine changes less than
 * the wall-clock latency.
 */
import type { GochatProcess } from '@gochat/testkit';

import { cpuSeconds } from './fanout/proc.ts';
import { ME, TYPENAME, operation } from './gochat-client.ts';
import { percentiles, type Latency } from './timing.ts';

const ROUND = 100;
// Untimed requests per probe first: a router just started answers through V8's first tiers, and 200
// were not enough (bench:history saw p99 3.3 ms after thousands of requests, 15 ms in the first 550).
const WARMUP = 1_000;

export interface FloorProbe {
  name: string;
  latency: Latency;
  /** CPU time of the gochat process per request (user + system), in ms. */
  cpuMs: number;
}

export async function measureFloor(gochat: GochatProcess, jwt: string, runs: number): Promise<FloorProbe[]> {
  const pid = gochat.child.pid;
  if (pid === undefined) throw new Error('the gochat process has no pid');
  const typename = operation<unknown, Record<string, never>>(gochat.url, TYPENAME, undefined);
  const signedIn = operation<unknown, Record<string, never>>(gochat.url, TYPENAME, jwt);
  const me = operation<unknown, Record<string, never>>(gochat.url, ME, jwt);
  const probes = [
    { name: '`{ __typename }` anonymous (HTTP, Yoga, gateway, identity signing)', run: () => typename({}) },
    { name: '`{ __typename }` signed in (+ JWT verification)', run: () => signedIn({}) },
    { name: '`{ me { id } }` signed in (+ one accounts subgraph fetch)', run: () => me({}) },
  ].map((probe) => ({ ...probe, samples: [] as number[], cpuMs: 0 }));

  for (const probe of probes) for (let i = 0; i < WARMUP; i++) await probe.run();
  for (let done = 0; done < runs; done += ROUND)
    for (const probe of probes) {
      const cpuBefore = cpuSeconds(pid) * 1000;
      for (let i = 0; i < Math.min(ROUND, runs - done); i++) {
        const start = performance.now();
        await probe.run();
        probe.samples.push(performance.now() - start);
      }
      probe.cpuMs += cpuSeconds(pid) * 1000 - cpuBefore;
    }
  return probes.map((p) => ({ name: p.name, latency: percentiles(p.samples), cpuMs: p.cpuMs / runs }));
}

export function reportFloor(probes: FloorProbe[]): void {
  console.log('| request | p50 | p99 | mean | router CPU per request |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const { name, latency, cpuMs } of probes)
    console.log(
      `| ${name} | ${latency.p50.toFixed(2)} | ${latency.p99.toFixed(2)} | ${latency.mean.toFixed(2)} | ${cpuMs.toFixed(2)} |`,
    );
}
