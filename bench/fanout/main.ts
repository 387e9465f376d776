/**
 * bench:fanout: GoChat's real-time fan-out (channelEvents over graphql-transport-ws) against a raw
 * ws + NATS broadcast floor. For each server: idle RSS per subscribed connection, then load steps of
 * increasing message rate to C subscribers until one breaks, then p99 at half GoChat's maximum rate.
 * On real servers it also holds many (default 10,000) subscribed connections on a fresh router.
 * Run: npm run bench:fanout [-- --quick] (see flags.ts). Progress on stderr, the report on stdout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseFlags, type Flags, type TargetName } from './flags.ts';
import { DEFAULT_SHAPE, shapeOf, startFloor, type FrameShape } from './floor-target.ts';
import { startEmbedded, startRealServers } from './gochat-targets.ts';
import { MessageCounter, percentiles, runStep, type Percentiles, type StepResult } from './load.ts';
import { startCpuProfile } from './inspector.ts';
import { memoryAtRest } from './proc.ts';
import { printReport, type ManyResult, type TargetResult } from './report.ts';
import { DeliveryRecorder, messageText, SubscriberPool } from './subscribers.ts';
import type { Target } from './target.ts';

const SUBSCRIBER_USERS = 4;
const HALF_RATE_SECONDS = 10;

const log = (message: string) =>
  console.error(`[fanout ${new Date().toISOString().slice(11, 19)}] ${message}`);

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends one message and waits until every subscriber has it: proof they are all subscribed. */
async function probe(
  target: Target,
  recorder: DeliveryRecorder,
  counter: MessageCounter,
  subscribers: number,
): Promise<{ allMs: number; latency: Percentiles }> {
  const index = counter.next++;
  recorder.open(index);
  const at = performance.now();
  await target.send(0, messageText(index, Math.round(at * 1000)));
  await waitFor(
    `the probe to reach ${subscribers} subscribers (reached ${recorder.deliveriesOf(index)})`,
    () => recorder.deliveriesOf(index) >= subscribers,
    60_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}, on ${target.label}`);
  });
  const allMs = performance.now() - at;
  recorder.closeWindow(index + 1);
  return { allMs, latency: percentiles(Float64Array.from(recorder.latencies())) };
}

/** Opens `count` subscribed connections and waits until the server counts them all as subscribed. */
async function subscribe(target: Target, pool: SubscriberPool, count: number): Promise<number> {
  const started = performance.now();
  await pool.open(count);
  await waitFor(
    `${count} subscriptions on ${target.label}`,
    async () => (await target.counters()).subscriptions >= count,
    300_000,
  );
  return (performance.now() - started) / 1000;
}

async function runTarget(
  target: Target,
  flags: Flags,
  halfRates: (maxRate: number) => number[],
): Promise<TargetResult> {
  const C = flags.subscribers;
  let sendsOk = 0;
  const counted: Target = {
    ...target,
    send: async (sender, content) => {
      await target.send(sender, content);
      sendsOk++;
    },
  };
  const counter = new MessageCounter();
  const recorder = new DeliveryRecorder();
  const pool = new SubscriberPool({
    wsUrl: target.wsUrl,
    init: target.init,
    subscribe: target.subscription,
    recorder,
  });
  const memoryBefore = await memoryAtRest(target.socketPid(), target.inspector(), 3_000);
  log(`${target.label}: RSS ${memoryBefore.rssKb} KB; opening ${C} subscribed connections`);
  const subscribeSeconds = await subscribe(target, pool, C);
  const memoryAfter = await memoryAtRest(target.socketPid(), target.inspector(), 3_000);
  const idle = await target.counters();
  const firstProbe = await probe(counted, recorder, counter, C);
  log(
    `${target.label}: ${C} subscribed in ${subscribeSeconds.toFixed(1)} s; RSS ${memoryAfter.rssKb} KB; ` +
      `probe reached all in ${firstProbe.allMs.toFixed(0)} ms`,
  );

  const before = { counters: await target.counters(), sends: sendsOk };
  const stopProfile = flags.cpuProfile ? await startCpuProfile(target.inspector()) : undefined;
  const steps: StepResult[] = [];
  const stepAt = (rate: number, measureSeconds = flags.stepSeconds) =>
    runStep({
      target: counted,
      recorder,
      counter,
      subscribers: C,
      rate,
      warmupSeconds: flags.warmupSeconds,
      measureSeconds,
    });
  for (const rate of flags.rates) {
    const step = await stepAt(rate);
    steps.push(step);
    log(
      `${target.label}: ${rate} msg/s -> ${step.deliveriesPerSecond.toFixed(0)} deliveries/s, ` +
        `p50 ${step.latency.p50.toFixed(1)} p99 ${step.latency.p99.toFixed(1)} ms, errors ${step.sendErrors}` +
        `${step.firstError ? ` (${step.firstError})` : ''}${step.broke ? `: BROKE (${step.broke})` : ''}`,
    );
    if (step.broke) break;
  }
  // Bisection between the last good and the first broken rate, until they are within the precision.
  const bracket = () => ({
    good: Math.max(0, ...steps.filter((s) => !s.broke).map((s) => s.rate)),
    broken: Math.min(...steps.filter((s) => s.broke).map((s) => s.rate)),
  });
  for (
    let b = bracket();
    b.good > 0 && Number.isFinite(b.broken) && b.broken / b.good > flags.precision;
    b = bracket()
  ) {
    const rate = Math.round(Math.sqrt(b.good * b.broken) * 10) / 10;
    if (rate <= b.good || rate >= b.broken) break;
    const step = await stepAt(rate);
    steps.push(step);
    log(
      `${target.label}: bisecting at ${rate} msg/s -> ${step.deliveriesPerSecond.toFixed(0)} deliveries/s, ` +
        `p99 ${step.latency.p99.toFixed(1)} ms${step.broke ? `: BROKE (${step.broke})` : ''}`,
    );
  }
  steps.sort((a, b) => a.rate - b.rate);
  const maxRate = bracket().good;
  const half: StepResult[] = [];
  for (const rate of halfRates(maxRate)) {
    const step = await stepAt(rate, HALF_RATE_SECONDS);
    half.push(step);
    log(`${target.label}: at ${rate} msg/s p99 ${step.latency.p99.toFixed(1)} ms`);
  }
  if (stopProfile) {
    const file = path.join(flags.cpuProfile!, `${target.label.replace(/\W+/g, '-')}.cpuprofile`);
    fs.mkdirSync(flags.cpuProfile!, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(await stopProfile()));
    log(`${target.label}: CPU profile of the steps in ${file}`);
  }
  const after = await target.counters();
  const events = sendsOk - before.sends;
  const sampleFrame = recorder.sampleFrame;
  await pool.close();
  const problems = [...new Set(pool.problems)].slice(0, 5);

  let many: ManyResult | undefined;
  if (target.restartSocketServer && flags.connections > 0)
    many = await manyConnections(target, counted, flags.connections);

  return {
    label: target.label,
    subscribers: C,
    subscribeSeconds,
    memory: { before: memoryBefore, after: memoryAfter },
    idle,
    firstProbe,
    steps,
    maxRate,
    half,
    perEvent: {
      payloads: (after.payloads - before.counters.payloads) / events,
      hydrations: (after.hydrations - before.counters.hydrations) / events,
      serverDeliveries: (after.deliveries - before.counters.deliveries) / events,
    },
    frameBytes: sampleFrame?.length ?? 0,
    sampleFrame: sampleFrame?.toString('utf8'),
    problems,
    many,
  };
}

/** A fresh router holding `count` subscribed connections: RSS per connection, one event to all. */
async function manyConnections(target: Target, counted: Target, count: number): Promise<ManyResult> {
  log(`${target.label}: restarting the router for ${count} connections`);
  await target.restartSocketServer!();
  // One send with nobody listening warms the fresh router's mutation path, so the probe times the fan-out.
  await target.send(0, 'warm-up');
  const before = await memoryAtRest(target.socketPid(), target.inspector(), 3_000);
  const recorder = new DeliveryRecorder();
  const counter = new MessageCounter();
  const pool = new SubscriberPool({
    wsUrl: target.wsUrl,
    init: target.init,
    subscribe: target.subscription,
    recorder,
  });
  try {
    const subscribeSeconds = await subscribe(target, pool, count);
    const after = await memoryAtRest(target.socketPid(), target.inspector(), 3_000);
    const counters = await target.counters();
    const reached = await probe(counted, recorder, counter, count);
    log(
      `${target.label}: ${count} subscribed in ${subscribeSeconds.toFixed(0)} s, RSS ${before.rssKb} -> ${after.rssKb} KB, ` +
        `one event to all in ${reached.allMs.toFixed(0)} ms`,
    );
    return { count, subscribeSeconds, memory: { before, after }, counters, probe: reached };
  } finally {
    await pool.close();
  }
}

async function start(name: TargetName, flags: Flags, shape: FrameShape): Promise<Target> {
  const options = { senders: flags.senders, subscriberUsers: SUBSCRIBER_USERS };
  if (name === 'embedded') return startEmbedded(options);
  if (name === 'real') return startRealServers(options);
  return startFloor(flags.senders, shape);
}

const flags = parseFlags(process.argv.slice(2));
const running = new Set<Target>();
// A server still starting when a signal comes is stopped once it is up (or its start failed).
let starting: Promise<Target> | undefined;
const stopAll = async () => {
  const late = await starting?.catch(() => undefined);
  if (late) running.add(late);
  for (const target of running) await target.stop().catch((e: unknown) => console.error(e));
  running.clear();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log(`${signal}: stopping the servers`);
    void stopAll().finally(() => process.exit(130));
  });

const load = { before: os.loadavg(), samples: [] as number[] };
const sampler = setInterval(() => load.samples.push(os.loadavg()[0]!), 5_000);
const started = Date.now();
const results: TargetResult[] = [];
let shape = DEFAULT_SHAPE;
try {
  // GoChat first: the floor then runs at GoChat's half rates, with the event data GoChat sent.
  const order = (['embedded', 'real', 'floor'] as const).filter((n) => flags.only.includes(n));
  for (const name of order) {
    log(`starting ${name}`);
    starting = start(name, flags, shape);
    const target = await starting;
    starting = undefined;
    running.add(target);
    try {
      const gochatHalves = [...new Set(results.map((r) => r.maxRate / 2).filter((r) => r > 0))];
      results.push(
        await runTarget(target, flags, (max) =>
          name === 'floor' ? (gochatHalves.length ? gochatHalves : [max / 2]) : max > 0 ? [max / 2] : [],
        ),
      );
      const frame = results.at(-1)!.sampleFrame;
      if (name !== 'floor' && frame) shape = shapeOf(frame);
    } finally {
      running.delete(target);
      await target.stop();
    }
  }
} finally {
  clearInterval(sampler);
  await stopAll();
}
printReport(results, flags, {
  before: load.before,
  after: os.loadavg(),
  max: Math.max(0, ...load.samples),
  minutes: (Date.now() - started) / 60_000,
});
