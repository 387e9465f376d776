/**
 * bench:start: how long `gochat start` (the embedded monolith, as `npm start` runs it) takes to be
 * ready, and how much memory it holds: cold (empty data directory) and warm (second start on the same
 * directory), RSS once ready, idle and after 1,000 messages sent through the API. Baselines from the
 * same run: a bare `node` process and a bare PGlite database, each in its own process. Runs are
 * interleaved (node, PGlite, GoChat, then again) so a busy moment of the machine spreads over all.
 * Run: npm run bench:start [-- --runs 5 --messages 1000 --idle-ms 30000]. Progress on stderr, the report on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { childEnv, freePort, startGochat } from '@gochat/testkit';

import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from '../e2e/support.ts';
import { cpuSeconds, rssKb } from './fanout/proc.ts';
import { createCommunity, operation, SEND, signIn } from './gochat-client.ts';
import { printStartReport, type Sample } from './start-report.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    messages: { type: 'string', default: '1000' },
    'idle-ms': { type: 'string', default: '30000' },
  },
});
const RUNS = Number(values.runs);
const MESSAGES = Number(values.messages);
const IDLE_MS = Number(values['idle-ms']);
const REPO = path.resolve(import.meta.dirname, '..');

/** Node's flags in `npm start` (`node <flags> bin/gochat.js start`): GoChat runs as users start it. */
function npmStartNodeArgs(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = manifest.scripts.start.split(/\s+/);
  const script = words.indexOf('bin/gochat.js');
  if (words[0] !== 'node' || script < 0)
    throw new Error(`unexpected start script: ${manifest.scripts.start}`);
  return words.slice(1, script);
}
const NODE_ARGS = npmStartNodeArgs();

const log = (message: string) =>
  console.error(`[start ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls /ready every 10 ms until it answers 200; returns the milliseconds since `since`. */
async function readyAfter(url: string, since: number, child: ChildProcess, timeoutMs = 120_000) {
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before /ready`);
    const ok = await fetch(`${url}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return performance.now() - since;
    await sleep(10);
  }
  throw new Error(`${url}/ready not 200 within ${timeoutMs} ms`);
}

async function measure(child: ChildProcess, url: string, since: number): Promise<Sample> {
  const readyMs = await readyAfter(url, since, child);
  const pid = child.pid!;
  const sample: Sample = { readyMs, cpuS: cpuSeconds(pid), readyRssKb: rssKb(pid), idleRssKb: 0 };
  await sleep(IDLE_MS);
  sample.idleRssKb = rssKb(pid);
  return sample;
}

const stopped = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/**
 * A baseline process: `code` (an ES module run by `node -e` from the repository, so it resolves the
 * same packages) starts whatever it starts, then serves GET /ready with 200 on PORT.
 */
async function baseline(code: string, env: Record<string, string> = {}): Promise<Sample> {
  const port = await freePort();
  const serve = `const http = await import('node:http');
await new Promise((ok) => http.createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', ok));`;
  const since = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', `${code}\n${serve}`], {
    cwd: REPO,
    env: childEnv(env),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    return await measure(child, `http://127.0.0.1:${port}`, since);
  } finally {
    await stopped(child);
  }
}

const PGLITE = `const { PGlite } = await import('@electric-sql/pglite');
const db = await PGlite.create(process.env.PGLITE_DIR);
await db.query('select 1');`;

/** The configuration every GoChat run uses: limits off, so 1,000 sends from one user go through. */
const { file: configFile } = tempConfig(RELAXED_LIMITS, UNLIMITED_SENDS, UNLIMITED_WRITES);

async function gochat(dataDir: string, sendMessages: boolean): Promise<Sample> {
  const port = await freePort();
  const since = performance.now();
  const starting = startGochat({
    env: { ...SECRETS, DATA_DIR: dataDir, PORT: String(port), GOCHAT_CONFIG: configFile },
    nodeArgs: NODE_ARGS,
    timeoutMs: 120_000,
  });
  // startGochat resolves on the "listening" log line; readiness is /ready answering 200.
  const proc = await starting;
  try {
    const sample = await measure(proc.child, proc.url, since);
    if (sendMessages) {
      const community = await createCommunity(proc, 0);
      const send = operation(proc.url, SEND, await signIn(proc.url, community.owner));
      const started = performance.now();
      for (let i = 0; i < MESSAGES; i++)
        await send({ channelId: community.channelId, content: `message ${i}` });
      sample.sendSeconds = (performance.now() - started) / 1000;
      await sleep(IDLE_MS);
      sample.afterMessagesRssKb = rssKb(proc.child.pid!);
    }
    return sample;
  } finally {
    await proc.stop();
  }
}

const results = {
  node: { cold: [] as Sample[] },
  pglite: { cold: [] as Sample[], warm: [] as Sample[] },
  gochat: { cold: [] as Sample[], warm: [] as Sample[] },
};
const loadBefore = os.loadavg();
const started = Date.now();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-bench-start-'));
try {
  for (let run = 1; run <= RUNS; run++) {
    log(`run ${run}/${RUNS}: bare node`);
    results.node.cold.push(await baseline(''));
    const pgliteDir = path.join(scratch, `pglite-${run}`);
    log(`run ${run}/${RUNS}: bare PGlite, cold then warm`);
    results.pglite.cold.push(await baseline(PGLITE, { PGLITE_DIR: pgliteDir }));
    results.pglite.warm.push(await baseline(PGLITE, { PGLITE_DIR: pgliteDir }));
    const dataDir = path.join(scratch, `gochat-${run}`);
    log(`run ${run}/${RUNS}: gochat cold (then ${MESSAGES} messages), then warm`);
    results.gochat.cold.push(await gochat(dataDir, true));
    results.gochat.warm.push(await gochat(dataDir, false));
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
printStartReport(results, {
  runs: RUNS,
  nodeArgs: NODE_ARGS,
  messages: MESSAGES,
  idleMs: IDLE_MS,
  loadBefore,
  loadAfter: os.loadavg(),
  minutes: (Date.now() - started) / 60_000,
});
