/** Latency sampling shared by the history benchmark's store and router runs. */

export interface Latency {
  p50: number;
  p99: number;
  mean: number;
  samples: number;
}

export function percentiles(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { p50: at(0.5), p99: at(0.99), mean, samples: sorted.length };
}

/**
 * Runs `run(i)` sequentially: `warmup` untimed calls (i = 0..warmup-1), then `iterations` timed ones
 * (i continues from warmup), so a run indexed by i never repeats a warm-up's input.
 */
export async function timed(
  run: (i: number) => Promise<unknown>,
  iterations: number,
  warmup = Math.min(50, iterations),
): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await run(i);
  const samples: number[] = [];
  for (let i = warmup; i < warmup + iterations; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  return percentiles(samples);
}

export interface Throughput {
  perSecond: number;
  count: number;
  latency: Latency;
}

/** Calls `send` from `workers` concurrent loops for `durationMs`; returns completed calls per second. */
export async function throughput(
  workers: number,
  durationMs: number,
  send: (worker: number, i: number) => Promise<unknown>,
): Promise<Throughput> {
  const samples: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const start = performance.now();
        await send(worker, i);
        samples.push(performance.now() - start);
      }
    }),
  );
  const elapsed = performance.now() - started;
  return {
    perSecond: (samples.length / elapsed) * 1000,
    count: samples.length,
    latency: percentiles(samples),
  };
}

export const ms = (n: number) => n.toFixed(2);
