/**
 * Voice forwarding (issue 17): a real mediasoup engine (`createMediasoupRooms`, one worker by default,
 * on loopback) behind the real signalling endpoint on an HTTP port, with real signed tokens; werift
 * voice clients (sfu/media/testing/werift-peer.ts) in this process, each speaker sending Opus RTP (a
 * silence frame every 20 ms) and each listener counting the packets it receives. Scenarios, one
 * after the other on the same engine:
 *   - one room with one speaker and N listeners, for each N of `--listeners` (10, 50, 100);
 *   - then `--rooms` rooms (5) of one speaker and `--room-listeners` listeners each (20).
 * Each reports, over a window of `--seconds` (10) once every listener has heard its first packet:
 *   - forwarded packets per second: the listeners' received packets over the window, next to the
 *     rate offered (listeners × 50/s);
 *   - the SFU's CPU: the mediasoup worker processes' CPU time over the window (/proc/<pid>/stat of
 *     worker.pid; `ps` where there is no /proc; else this process's own, which is not the SFU's —
 *     the report names its source), as a share of one core, per consumer, and the consumers per core
 *     that implies; next to the same rooms with the speakers paused (the baseline: the worker holding
 *     the same transports and consumers, receiving but forwarding nothing);
 *   - join-to-first-audio p50/p95: from sending `authenticate` to the listener's first RTP packet
 *     (authenticate, capabilities, join, createTransport, consume, the werift offer and answer,
 *     connectTransport, ICE, DTLS, resumeConsumer, the first packet), next to its signalling part
 *     (authenticate to the join answer), with `--join-concurrency` (10) listeners joining at once;
 *   - this process's CPU (the clients and the signalling), to tell a client-bound run.
 * Goals: at least 500 audio consumers per worker core; join-to-first-audio under 500 ms on loopback.
 *
 * Without mediasoup (MEDIASOUP_WORKER_BIN unset, mediasoup not installed, or no worker starting) it
 * says why and exits 0.
 *
 * Run: npm run bench:voice [-- --listeners 10,50,100 --rooms 5 --room-listeners 20 --seconds 10
 *      --workers 1 --join-concurrency 10]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';

import { silentLogger } from '@gochat/log';
import { freePort } from '@gochat/testkit';
import pLimit from 'p-limit';

import { loadMediasoup, type MediasoupModule, type Worker } from '../sfu/media/mediasoup-api.ts';
import { createMediasoupRooms, type MediasoupRooms } from '../sfu/media/mediasoup-rooms.ts';
import { FRAME_MS, type ReceivedStream } from '../sfu/media/testing/werift-transports.ts';
import { WeriftPeer } from '../sfu/media/testing/werift-peer.ts';
import type { MediaEvents } from '../sfu/signalling/media.ts';
import { SignallingHarness } from '../sfu/signalling/testing/harness.ts';
import { cpuSeconds } from './fanout/proc.ts';
import { percentiles } from './timing.ts';

const { values: args } = parseArgs({
  options: {
    listeners: { type: 'string', default: '10,50,100' },
    rooms: { type: 'string', default: '5' },
    'room-listeners': { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '1' },
    'join-concurrency': { type: 'string', default: '10' },
  },
});
const LISTENERS = args.listeners.split(',').map(Number);
const ROOMS = Number(args.rooms);
const ROOM_LISTENERS = Number(args['room-listeners']);
const SECONDS = Number(args.seconds);
const WORKERS = Number(args.workers);
const JOIN_CONCURRENCY = Number(args['join-concurrency']);
const PACKETS_PER_SECOND = 1000 / FRAME_MS;
/** The paused baseline's window. */
const BASELINE_SECONDS = Math.min(5, SECONDS);
const FIRST_AUDIO_DEADLINE_MS = 15_000;
const GOAL_CONSUMERS_PER_CORE = 500;
const GOAL_JOIN_MS = 500;
/** werift gathers no loopback candidate unless asked; the SFU listens on 127.0.0.1. */
const CLIENT = { hostAddresses: ['127.0.0.1'] };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function skip(reason: string): never {
  console.log(`bench:voice skipped: ${reason}. Nothing was measured.`);
  process.exit(0);
}

/** CPU seconds used so far by the SFU's workers, and where that number comes from. */
interface CpuSource {
  name: string;
  read(): number;
}

function workerCpu(pids: number[]): CpuSource {
  try {
    for (const pid of pids) cpuSeconds(pid);
    return {
      name: `mediasoup worker processes (/proc/<pid>/stat of worker.pid: ${pids.join(', ')})`,
      read: () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    };
  } catch {
    // No /proc (macOS): ps, to the second.
  }
  const ps = (pid: number) => {
    const time = execFileSync('ps', ['-o', 'time=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    // [[dd-]hh:]mm:ss[.cc]
    const [days, clock] = time.includes('-') ? time.split('-') : ['0', time];
    const seconds = clock!
      .split(':')
      .map(Number)
      .reduce((total, part) => total * 60 + part, 0);
    return Number(days) * 86_400 + seconds;
  };
  try {
    for (const pid of pids) ps(pid);
    return {
      name: `mediasoup worker processes (ps -o time of worker.pid ${pids.join(', ')}; 1 s resolution)`,
      read: () => pids.reduce((sum, pid) => sum + ps(pid), 0),
    };
  } catch {
    return {
      name: "this process only (process.cpuUsage: the clients and the signalling, NOT the worker's): no /proc, no ps",
      read: () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1e6;
      },
    };
  }
}

const benchCpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
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

interface Sfu {
  mediasoup: MediasoupModule;
  engine: MediasoupRooms;
  harness: SignallingHarness;
  workers: Worker[];
}

async function startSfu(): Promise<Sfu> {
  // eslint-disable-next-line no-process-env -- a command-line tool configured by its environment
  if (!process.env.MEDIASOUP_WORKER_BIN)
    skip(
      "MEDIASOUP_WORKER_BIN is not set (mediasoup's worker binary could not be downloaded or built on this " +
        'machine; install mediasoup@3.19.3 with MEDIASOUP_WORKER_BIN pointing at a worker binary to run it)',
    );
  const loaded = await loadMediasoup();
  if (!loaded) skip('MEDIASOUP_WORKER_BIN is set but mediasoup is not installed');
  // The engine keeps its workers to itself: record them as it creates them, for their pids.
  const workers: Worker[] = [];
  const mediasoup: MediasoupModule = {
    version: loaded.version,
    createWorker: async (options) => {
      const worker = await loaded.createWorker(options);
      workers.push(worker);
      return worker;
    },
  };
  const late: { harness?: SignallingHarness } = {};
  const events: MediaEvents = {
    consumerClosed: (...a) => late.harness?.signalling.mediaEvents.consumerClosed(...a),
    activeSpeaker: (...a) => late.harness?.signalling.mediaEvents.activeSpeaker(...a),
  };
  let engine: MediasoupRooms;
  try {
    engine = await createMediasoupRooms({
      mediasoup,
      workers: WORKERS,
      listenIp: '127.0.0.1',
      port: await freePort(),
      dtlsTimeoutMs: 30_000,
      maxIncomingBitrate: 1_500_000,
      events,
      onWorkerDied: (error) => {
        console.error('bench:voice: a mediasoup worker died', error);
        process.exit(1);
      },
      log: silentLogger,
    });
  } catch (error) {
    skip(`no mediasoup worker could start (${(error as Error).message})`);
  }
  const harness = await SignallingHarness.start({ rooms: engine });
  late.harness = harness;
  return { mediasoup, engine, harness, workers };
}

interface Listener {
  peer: WeriftPeer;
  stream: ReceivedStream;
  /** authenticate sent → first RTP packet, ms. */
  firstAudioMs: number;
  /** authenticate sent → join answered, ms. */
  signallingMs: number;
}

interface ScenarioResult {
  scenario: string;
  rooms: number;
  consumers: number;
  seconds: number;
  offeredPps: number;
  forwardedPps: number;
  /** forwarded / offered. */
  delivered: number;
  /** Share of one core the workers used, while forwarding and with the speakers paused. */
  workerCores: number;
  pausedWorkerCores: number;
  workerCorePerConsumer: number;
  consumersPerCore: number;
  benchCores: number;
  joinToFirstAudio: { p50: number; p95: number; max: number; samples: number };
  signallingPart: { p50: number; p95: number };
  failedJoins: number;
}

async function runScenario(sfu: Sfu, cpu: CpuSource, scenario: string, rooms: number, perRoom: number) {
  const { harness, engine } = sfu;
  const tag = `${Date.now().toString(36)}`;
  const peers: WeriftPeer[] = [];
  const open = async () => {
    const peer = WeriftPeer.attach(await harness.connect(), CLIENT);
    peers.push(peer);
    return peer;
  };
  try {
    // One speaker per room, sending before anyone listens.
    const speakers = [];
    for (let r = 0; r < rooms; r++) {
      const room = `${scenario}-${tag}-${r}`;
      const speaker = await open();
      await speaker.enter((await harness.token(`speaker-${r}`, room)).token);
      speakers.push({ room, speaker, producer: await speaker.produceOpus() });
    }

    const limit = pLimit(JOIN_CONCURRENCY);
    let failedJoins = 0;
    const joins = speakers.flatMap(({ room, producer }) =>
      Array.from({ length: perRoom }, (_, i) =>
        limit(async (): Promise<Listener | undefined> => {
          try {
            const { token } = await harness.token(`listener-${i}`, room);
            const peer = await open();
            await peer.enter(token);
            const stream = await peer.consume(producer.producerId);
            await stream.waitFor(1, FIRST_AUDIO_DEADLINE_MS);
            const start = peer.timeline.authenticateSent!;
            return {
              peer,
              stream,
              firstAudioMs: stream.firstPacketAt! - start,
              signallingMs: peer.timeline.joined! - start,
            };
          } catch (error) {
            failedJoins++;
            console.error(`bench:voice: a listener of ${room} failed: ${(error as Error).message}`);
            return undefined;
          }
        }),
      ),
    );
    const listeners = (await Promise.all(joins)).filter((l): l is Listener => l !== undefined);

    await sleep(1_000);
    const total = () => listeners.reduce((sum, l) => sum + l.stream.packets, 0);
    const window = async (seconds: number) => {
      const before = { packets: total(), cpu: cpu.read(), bench: benchCpu(), at: performance.now() };
      await sleep(seconds * 1000);
      const elapsed = (performance.now() - before.at) / 1000;
      return {
        pps: (total() - before.packets) / elapsed,
        cores: (cpu.read() - before.cpu) / elapsed,
        benchCores: (benchCpu() - before.bench) / elapsed,
      };
    };
    const forwarding = await window(SECONDS);

    // The baseline: the same rooms with every speaker paused at the SFU.
    for (const { speaker, producer } of speakers) await speaker.pauseProducer(producer.producerId);
    await sleep(500);
    const paused = await window(BASELINE_SECONDS);

    const consumers = listeners.length;
    const first = percentiles(listeners.map((l) => l.firstAudioMs));
    const p95 = (samples: number[]) => {
      const sorted = [...samples].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? NaN;
    };
    const result: ScenarioResult = {
      scenario,
      rooms,
      consumers,
      seconds: SECONDS,
      offeredPps: consumers * PACKETS_PER_SECOND,
      forwardedPps: forwarding.pps,
      delivered: forwarding.pps / (consumers * PACKETS_PER_SECOND),
      workerCores: forwarding.cores,
      pausedWorkerCores: paused.cores,
      workerCorePerConsumer: forwarding.cores / consumers,
      consumersPerCore: consumers / forwarding.cores,
      benchCores: forwarding.benchCores,
      joinToFirstAudio: {
        p50: first.p50,
        p95: p95(listeners.map((l) => l.firstAudioMs)),
        max: Math.max(...listeners.map((l) => l.firstAudioMs)),
        samples: first.samples,
      },
      signallingPart: {
        p50: percentiles(listeners.map((l) => l.signallingMs)).p50,
        p95: p95(listeners.map((l) => l.signallingMs)),
      },
      failedJoins,
    };
    if (paused.pps > 0)
      console.error(`bench:voice: ${paused.pps.toFixed(1)} packets/s still arrived while paused`);
    return result;
  } finally {
    await Promise.all(peers.map((peer) => peer.close()));
    const deadline = Date.now() + 10_000;
    while (engine.counts().rooms > 0 && Date.now() < deadline) await sleep(50);
  }
}

const pct = (cores: number) => `${(cores * 100).toFixed(1)} %`;
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');

function report(machine: string, cpu: CpuSource, results: ScenarioResult[]): void {
  console.log(`\n${machine}`);
  console.log(`SFU CPU source: ${cpu.name}.`);
  console.log(
    `Speakers send ${PACKETS_PER_SECOND} Opus packets/s each; window ${SECONDS} s (paused baseline ${BASELINE_SECONDS} s); ` +
      `${JOIN_CONCURRENCY} listeners join at once.\n`,
  );
  console.log(
    '| scenario | rooms | consumers | offered pkt/s | forwarded pkt/s | delivered | worker CPU | paused baseline | ' +
      'CPU per consumer | consumers per core | join→first audio p50 / p95 | signalling part p50 / p95 | bench process CPU |',
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
  for (const r of results)
    console.log(
      `| ${r.scenario} | ${r.rooms} | ${r.consumers} | ${r.offeredPps.toFixed(0)} | ${r.forwardedPps.toFixed(0)} | ` +
        `${(r.delivered * 100).toFixed(1)} % | ${pct(r.workerCores)} | ${pct(r.pausedWorkerCores)} | ` +
        `${(r.workerCorePerConsumer * 100).toFixed(3)} % | ${r.consumersPerCore.toFixed(0)} | ` +
        `${ms(r.joinToFirstAudio.p50)} / ${ms(r.joinToFirstAudio.p95)} ms | ` +
        `${ms(r.signallingPart.p50)} / ${ms(r.signallingPart.p95)} ms | ${pct(r.benchCores)} |`,
    );
  if (results.length === 0) return;
  const failed = results.reduce((sum, r) => sum + r.failedJoins, 0);
  if (failed > 0) console.log(`\n${failed} listener(s) failed to join or hear anything (see stderr).`);
  const largest = results.reduce((a, b) => (b.consumers > a.consumers ? b : a));
  const worstP95 = Math.max(...results.map((r) => r.joinToFirstAudio.p95));
  console.log(
    `\nGoal: ≥ ${GOAL_CONSUMERS_PER_CORE} audio consumers per worker core: ${largest.consumersPerCore.toFixed(0)} ` +
      `at ${largest.consumers} consumers (${largest.scenario}; extrapolated from the CPU share) — ` +
      `${largest.consumersPerCore >= GOAL_CONSUMERS_PER_CORE ? 'met' : 'NOT MET'}.`,
  );
  console.log(
    `Goal: join-to-first-audio < ${GOAL_JOIN_MS} ms on loopback: worst p95 ${ms(worstP95)} ms — ` +
      `${worstP95 < GOAL_JOIN_MS ? 'met' : 'NOT MET'}.`,
  );
  console.log('\nJSON:');
  console.log(
    JSON.stringify(
      {
        machine,
        cpuSource: cpu.name,
        options: {
          listeners: LISTENERS,
          rooms: ROOMS,
          roomListeners: ROOM_LISTENERS,
          seconds: SECONDS,
          workers: WORKERS,
          joinConcurrency: JOIN_CONCURRENCY,
        },
        results,
      },
      null,
      2,
    ),
  );
}

async function main(): Promise<void> {
  const sfu = await startSfu();
  const pids = sfu.workers.map((worker) => worker.pid);
  const cpu = workerCpu(pids);
  const machine =
    `bench:voice: mediasoup ${sfu.mediasoup.version}, ${WORKERS} worker(s); machine: ${os.cpus().length} cores ` +
    `(${cpuModel()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${new Date().toISOString()}`;
  console.log(machine);
  const results: ScenarioResult[] = [];
  try {
    for (const n of LISTENERS) {
      console.log(`one room, 1 speaker, ${n} listeners…`);
      results.push(await runScenario(sfu, cpu, `1 room × ${n}`, 1, n));
    }
    if (ROOMS > 0 && ROOM_LISTENERS > 0) {
      console.log(`${ROOMS} rooms, 1 speaker and ${ROOM_LISTENERS} listeners each…`);
      results.push(await runScenario(sfu, cpu, `${ROOMS} rooms × ${ROOM_LISTENERS}`, ROOMS, ROOM_LISTENERS));
    }
    report(machine, cpu, results);
  } finally {
    await sfu.harness.close();
    sfu.engine.close();
  }
}

await main();
// werift's timers and sockets do not all close with their peer connections: end here.
process.exit(0);
