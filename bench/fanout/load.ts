/**
 * One load step of bench:fanout: senders issue messages at a fixed total rate (open loop: each send
 * is issued on schedule, whether or not earlier ones returned), a warm-up, then a measured window.
 */
import { cpuSeconds } from './proc.ts';
import { messageText, type DeliveryRecorder } from './subscribers.ts';
import type { Target } from './target.ts';

/** Sends one sender may have in flight; a send due beyond that is counted as an error, not queued. */
const MAX_IN_FLIGHT_PER_SENDER = 64;
/** How long after the last measured send its deliveries may still arrive before they count as lost. */
const DRAIN_MS = 5_000;

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface StepResult {
  rate: number;
  subscribers: number;
  measuredSeconds: number;
  sent: number;
  sendErrors: number;
  firstError?: string;
  /** Deliveries that arrived inside the measured window, per second. */
  deliveriesPerSecond: number;
  /** send -> deliver over every (measured message, subscriber) pair; lost ones count as infinite. */
  latency: Percentiles;
  lost: number;
  /** First to last subscriber's arrival of each measured message: the fan-out alone. */
  spread: Percentiles;
  /** The send call's own round trip (GoChat: the mutation over HTTP; floor: a NATS publish). */
  sendRtt: Percentiles;
  /** CPU of the socket-holding process, of the other server processes, of this generator (% of one core). */
  cpu: { server: number; others: number; generator: number };
  broke?: string;
}

/** Percentiles of a typed array (sorted in place). Infinity stands for a delivery that never came. */
export function percentiles(values: Float64Array): Percentiles {
  values.sort();
  const at = (q: number) =>
    values.length ? values[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)]! : NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** Message indices are global to a run, so each delivery can be matched to its send. */
export class MessageCounter {
  next = 0;
}

export interface StepOptions {
  target: Target;
  recorder: DeliveryRecorder;
  counter: MessageCounter;
  subscribers: number;
  rate: number;
  warmupSeconds: number;
  measureSeconds: number;
}

/**
 * Waits until no delivery has arrived for `quietMs`: a step that broke leaves frames queued in the
 * server's socket buffers, and they must not land in the next step's window.
 */
export async function quiesce(recorder: DeliveryRecorder, quietMs = 1_000, maxMs = 120_000): Promise<void> {
  const deadline = performance.now() + maxMs;
  let seen = recorder.total;
  let quietSince = performance.now();
  while (performance.now() - quietSince < quietMs && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (recorder.total !== seen) {
      seen = recorder.total;
      quietSince = performance.now();
    }
  }
}

/** Runs warm-up + measured window at `rate` messages/s, then waits for late deliveries. */
export async function runStep(options: StepOptions): Promise<StepResult> {
  const { target, recorder, counter, subscribers, rate } = options;
  await quiesce(recorder);
  const warmupMs = options.warmupSeconds * 1000;
  const totalMs = warmupMs + options.measureSeconds * 1000;
  const total = Math.max(1, Math.round((rate * totalMs) / 1000));
  const inFlight = new Array<number>(target.senders).fill(0);
  const pending = new Set<Promise<void>>();
  const rtts: number[] = [];
  let measureFrom = -1;
  let measuredOk = 0;
  let errors = 0;
  let firstError: string | undefined;
  let issued = 0;
  let windowStart = 0;
  let cpuStart = { server: 0, others: 0, generator: process.cpuUsage() };
  const othersCpu = () => target.otherPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);

  const issue = (measured: boolean) => {
    const sender = issued % target.senders;
    issued++;
    if (inFlight[sender]! >= MAX_IN_FLIGHT_PER_SENDER) {
      errors++;
      firstError ??= `sender ${sender} had ${MAX_IN_FLIGHT_PER_SENDER} sends in flight`;
      return;
    }
    const index = counter.next++;
    const at = performance.now();
    inFlight[sender]!++;
    const sending = target
      .send(sender, messageText(index, Math.round(at * 1000)))
      .then(
        () => {
          if (measured) {
            rtts.push(performance.now() - at);
            measuredOk++;
          }
        },
        (error: unknown) => {
          errors++;
          firstError ??= (error as Error).message.slice(0, 300);
        },
      )
      .finally(() => {
        inFlight[sender]!--;
        pending.delete(sending);
      });
    pending.add(sending);
  };

  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - started;
      if (measureFrom < 0 && elapsed >= warmupMs) {
        measureFrom = counter.next;
        recorder.open(measureFrom);
        windowStart = performance.now();
        cpuStart = {
          server: cpuSeconds(target.socketPid()),
          others: othersCpu(),
          generator: process.cpuUsage(),
        };
      }
      const due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
      while (issued < due) issue(measureFrom >= 0);
      if (issued >= total && elapsed >= totalMs) return resolve();
      const nextDue = (issued * 1000) / rate;
      setTimeout(tick, Math.max(0, Math.min(nextDue, totalMs) - elapsed));
    };
    tick();
  });
  const windowMs = performance.now() - windowStart;
  recorder.closeWindow(counter.next);
  const deliveriesPerSecond = (recorder.deliveriesInWindow / windowMs) * 1000;
  const cpuEnd = {
    server: cpuSeconds(target.socketPid()),
    others: othersCpu(),
    generator: process.cpuUsage(cpuStart.generator),
  };
  const percent = (seconds: number) => (seconds / (windowMs / 1000)) * 100;
  const cpu = {
    server: percent(cpuEnd.server - cpuStart.server),
    others: percent(cpuEnd.others - cpuStart.others),
    generator: percent((cpuEnd.generator.user + cpuEnd.generator.system) / 1e6),
  };

  // Late sends and deliveries: wait for the sends, then for every delivery of the measured messages.
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 30_000))]);
  const deadline = performance.now() + DRAIN_MS;
  while (recorder.latencies().length < measuredOk * subscribers && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const received = recorder.latencies();
  const expected = measuredOk * subscribers;
  const lost = Math.max(0, expected - received.length);
  const samples = new Float64Array(received.length + lost);
  samples.set(received);
  samples.fill(Infinity, received.length);
  const latency = percentiles(samples);
  const sendRtt = percentiles(Float64Array.from(rtts));
  const spread = percentiles(recorder.spreads());

  const offered = rate * subscribers;
  const broke =
    errors > 0
      ? `${errors} send errors`
      : latency.p99 > 1000
        ? `p99 ${latency.p99 === Infinity ? 'lost' : `${latency.p99.toFixed(0)} ms`} > 1 s`
        : deliveriesPerSecond < 0.9 * offered
          ? `deliveries ${(deliveriesPerSecond / offered).toFixed(2)} x offered < 0.9`
          : undefined;
  return {
    rate,
    subscribers,
    measuredSeconds: windowMs / 1000,
    sent: measuredOk,
    sendErrors: errors,
    ...(firstError ? { firstError } : {}),
    deliveriesPerSecond,
    latency,
    lost,
    spread,
    sendRtt,
    cpu,
    ...(broke ? { broke } : {}),
  };
}
