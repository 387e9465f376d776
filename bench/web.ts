/**
 * bench:web: the web client as a browser runs it (issue 13's goals).
 *
 * 1. Bundle: the gzipped size of the JavaScript the app needs before it renders (index.html's
 *    scripts and their static imports, from Vite's manifest), and which packages it is made of
 *    (bench/web-bundle.ts, from the build's source maps). Goal: ≤ 250 kB gzipped.
 * 2. First messages: a signed-in user (the session already in localStorage, as after an earlier
 *    visit) opens a channel of 5,000 messages; the time from navigation start to the first message
 *    article in the DOM (read in the page, polled every animation frame), in a fresh browser context
 *    (empty HTTP cache) and again with the cache warm. Goal: ≤ 1 s.
 * 3. Scrolling: frame times (requestAnimationFrame deltas, collected in the page) while the mouse
 *    wheel scrolls the message log up through all 5,000 messages, older pages loading on the way.
 *    Goal: p95 ≤ 16 ms, i.e. no dropped frame at 60 Hz (a frame is 16.7 ms).
 *
 * GoChat is the embedded process (`gochat start` on a temp data directory) with rate limits off; the
 * messages are sent through the GraphQL API by five members. Needs `npm run build:web` first and
 * Debian's chromium (/usr/bin/chromium).
 *
 * Run: npm run bench:web [-- --runs 10 --messages 5000 --wheel-px 200 --scroll-seconds 240 --no-nudge]
 * (--no-nudge: never wheel down again when the log sits at the top without loading older messages)
 * Progress on stderr, the report on stdout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { CHROMIUM_PATH, freePort, startGochat, WEB_CLIENT_DIST, type GochatProcess } from '@gochat/testkit';
import type { Browser, Page } from 'playwright-core';

import { launchChromium, messageLog } from '../e2e/browser/harness.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from '../e2e/support.ts';
import { createCommunity, operation, SEND, type Account } from './gochat-client.ts';
import { messageContent, seededRandom } from './history-seed.ts';
import { analyseBundle, type BundleReport } from './web-bundle.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    messages: { type: 'string', default: '5000' },
    'wheel-px': { type: 'string', default: '200' },
    'scroll-seconds': { type: 'string', default: '240' },
    'no-nudge': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const MESSAGES = Number(values.messages);
const WHEEL_PX = Number(values['wheel-px']);
const SCROLL_SECONDS = Number(values['scroll-seconds']);
const SEND_CONCURRENCY = 8;
const STALL_SECONDS = 20;
const NUDGE_SECONDS = 2;
const NUDGE = !values['no-nudge'];
const VIEWPORT = { width: 1280, height: 800 };
const FRAME_MS = 1000 / 60;

const GOALS = { initialJsGzipKb: 250, firstMessagesMs: 1000, p95FrameMs: 16 };

const log = (message: string) => console.error(`[web ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** Nearest-rank quantile. */
function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}
const summary = (samples: number[]) => ({
  p50: quantile(samples, 0.5),
  p95: quantile(samples, 0.95),
  max: Math.max(...samples),
  n: samples.length,
});

interface SignedIn {
  sessionToken: string;
  jwt: string;
  jwtExpiresAt: string;
}

const SIGN_IN = `mutation BenchWebSignIn($input: SignInInput!) {
  signIn(input: $input) { ... on AuthSession { sessionToken jwt jwtExpiresAt } }
}`;

async function session(url: string, account: Account): Promise<SignedIn> {
  const signIn = operation<{ signIn: SignedIn }, { input: { email: string; password: string } }>(
    url,
    SIGN_IN,
    undefined,
  );
  return (await signIn({ input: { email: account.email, password: account.password } })).signIn;
}

/** 5,000 messages (by default) from the five members, sent through the router, `#00001` first. */
async function seed(gochat: GochatProcess, channelId: string, authors: Account[]): Promise<number> {
  const jwts = await Promise.all(authors.map(async (a) => (await session(gochat.url, a)).jwt));
  const sends = jwts.map((jwt) => operation(gochat.url, SEND, jwt));
  const random = seededRandom(13);
  const contents = Array.from(
    { length: MESSAGES },
    (_, i) => `#${String(i + 1).padStart(5, '0')} ${messageContent(random)}`,
  );
  const started = performance.now();
  let next = 0;
  // Concurrent senders take the next message in turn: ids follow the order closely, not exactly.
  await Promise.all(
    Array.from({ length: SEND_CONCURRENCY }, async (_, worker) => {
      for (let i = next++; i < MESSAGES; i = next++) {
        await sends[(worker + i) % sends.length]!({ channelId, content: contents[i]! });
        if ((i + 1) % 1000 === 0) log(`seeded ${i + 1}/${MESSAGES}`);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** A browser context whose localStorage holds the session before the app's scripts run. */
async function signedInPage(browser: Browser, baseURL: string, stored: SignedIn) {
  const context = await browser.newContext({ baseURL, viewport: VIEWPORT });
  await context.addInitScript(
    ({ origin, value }) => {
      if (location.origin === origin) localStorage.setItem('gochat.session', value);
    },
    { origin: new URL(baseURL).origin, value: JSON.stringify(stored) },
  );
  context.setDefaultTimeout(60_000);
  return { context, page: await context.newPage() };
}

/** Navigation start to the first message article in the DOM, read in the page at each frame. */
async function firstMessagesMs(page: Page, channelPath: string): Promise<number> {
  await page.goto(channelPath, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    () => (document.querySelector('[role="log"] article') ? performance.now() : 0),
    undefined,
    { polling: 'raf', timeout: 60_000 },
  );
  return await handle.jsonValue();
}

interface ScrollResult {
  frames: number[];
  seconds: number;
  reachedOldest: boolean;
  oldestSeen: number;
  wheelEvents: number;
  /** No older message showed for STALL_SECONDS while wheeling up. */
  stalled: boolean;
  /** Times the log sat at the top without loading and was wheeled down and up again. */
  nudges: number;
}

/** Wheels the log up until the first message shows (or time runs out), timing every frame. */
async function scrollThrough(page: Page): Promise<ScrollResult> {
  const logBox = await messageLog(page).boundingBox();
  if (!logBox) throw new Error('the message log has no box');
  await page.mouse.move(logBox.x + logBox.width / 2, logBox.y + logBox.height / 2);
  // A string, not a function: tsx would wrap the named inner function in a helper the page lacks.
  await page.evaluate(`(() => {
    globalThis.benchFrames = [];
    globalThis.benchStop = false;
    let last = 0;
    const tick = (now) => {
      if (last) globalThis.benchFrames.push(now - last);
      last = now;
      if (!globalThis.benchStop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const oldest = () =>
    page.evaluate(() => {
      const numbers = [...document.querySelectorAll('[role="log"] article')].flatMap((a) => {
        const m = /#(\d{5})/.exec(a.textContent ?? '');
        return m ? [Number(m[1])] : [];
      });
      return numbers.length ? Math.min(...numbers) : Infinity;
    });
  const started = performance.now();
  let wheelEvents = 0;
  let oldestSeen = Infinity;
  let progressAt = started;
  let framesAtProgress = 0;
  let stalled = false;
  let nudges = 0;
  let nudgedAt = started;
  while (performance.now() - started < SCROLL_SECONDS * 1000) {
    // Stuck at the top for NUDGE_SECONDS: a wheel down and up again, as a reader would (and the
    // scroll events that ask for older pages fire again).
    const sinceProgress = performance.now() - Math.max(progressAt, nudgedAt);
    if (NUDGE && sinceProgress > NUDGE_SECONDS * 1000) {
      await page.mouse.wheel(0, 3 * WHEEL_PX);
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
      nudges++;
      nudgedAt = performance.now();
    }
    await page.mouse.wheel(0, -WHEEL_PX);
    wheelEvents++;
    // One wheel event per frame at most, like a fast flick of a wheel.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    if (wheelEvents % 10 === 0) {
      const now = await oldest();
      if (now < oldestSeen) {
        progressAt = performance.now();
        framesAtProgress = await page.evaluate('globalThis.benchFrames.length');
      }
      oldestSeen = Math.min(oldestSeen, now);
      if (oldestSeen === 1) break;
      // Wheeling on for STALL_SECONDS without an older message showing: the log stopped loading.
      if (performance.now() - progressAt > STALL_SECONDS * 1000) {
        stalled = true;
        break;
      }
      if (wheelEvents % 500 === 0)
        log(`scrolling: ${wheelEvents} wheel events, oldest message seen #${oldestSeen}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const frames = await page.evaluate(() => {
    const g = globalThis as unknown as { benchFrames: number[]; benchStop: boolean };
    g.benchStop = true;
    return g.benchFrames;
  });
  // A stall's idle frames say nothing about scrolling: keep the frames up to the last progress.
  return {
    frames: stalled ? frames.slice(0, framesAtProgress) : frames,
    seconds: stalled ? (progressAt - started) / 1000 : seconds,
    reachedOldest: oldestSeen === 1,
    oldestSeen,
    wheelEvents,
    stalled,
    nudges,
  };
}

const kb = (bytes: number) => (bytes / 1000).toFixed(1);
const ms = (value: number) => value.toFixed(1);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

function printReport(r: {
  bundle: BundleReport;
  builtAt: Date;
  chromium: string;
  seedSeconds: number;
  cold: number[];
  warm: number[];
  scroll: ScrollResult;
  loadBefore: number[];
  loadAfter: number[];
  minutes: number;
}) {
  const { bundle, scroll } = r;
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  out(`# bench:web (${new Date().toISOString().slice(0, 10)})`);
  out();
  out(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, ${r.chromium} headless (--disable-gpu). Load average ${r.loadBefore
        .map((l) => l.toFixed(2))
        .join(
          ' ',
        )} before, ${r.loadAfter.map((l) => l.toFixed(2)).join(' ')} after; ${r.minutes.toFixed(1)} min.`,
  );
  out();
  out(
    `## Initial JavaScript (clients/web/dist, built ${r.builtAt.toISOString()}, found through the ${bundle.how})`,
  );
  out();
  out('| file | raw (kB) | gzip -9 (kB) |');
  out('| ---- | -------- | ------------ |');
  for (const f of [...bundle.scripts, ...bundle.css])
    out(`| ${f.file} | ${kb(f.bytes)} | ${kb(f.gzipBytes)} |`);
  out();
  out(
    `Initial JS: ${kb(bundle.jsBytes)} kB raw, **${kb(bundle.jsGzipBytes)} kB gzipped** ` +
      `(goal ≤ ${GOALS.initialJsGzipKb} kB: ${verdict(bundle.jsGzipBytes / 1000 <= GOALS.initialJsGzipKb)}). 1 kB = 1,000 bytes.`,
  );
  if (bundle.shares) {
    out();
    out('Where the initial JS comes from (minified bytes by the source map; gzip of each group alone):');
    out();
    out('| package | minified (kB) | share | gzip alone (kB) |');
    out('| ------- | ------------- | ----- | --------------- |');
    for (const s of bundle.shares)
      out(
        `| ${s.group} | ${kb(s.bytes)} | ${((100 * s.bytes) / bundle.jsBytes).toFixed(1)}% | ${kb(s.gzipBytes)} |`,
      );
    out(`| (not mapped: bundler runtime) | ${kb(bundle.unmappedBytes)} | | |`);
  }
  out();
  out(
    `## First messages (${MESSAGES.toLocaleString('en')} messages seeded in ${r.seedSeconds.toFixed(1)} s; ${RUNS} runs each)`,
  );
  out();
  out('| browser cache | p50 (ms) | p95 (ms) | max (ms) |');
  out('| ------------- | -------- | -------- | -------- |');
  for (const [name, samples] of [
    ['cold (new context)', r.cold],
    ['warm (same context)', r.warm],
  ] as const) {
    const s = summary(samples);
    out(`| ${name} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.max)} |`);
  }
  const firstP95 = Math.max(summary(r.cold).p95, summary(r.warm).p95);
  out();
  out(`Goal ≤ ${GOALS.firstMessagesMs} ms (p95, both): ${verdict(firstP95 <= GOALS.firstMessagesMs)}.`);
  out();
  const f = summary(scroll.frames);
  const dropped = scroll.frames.reduce((n, d) => n + Math.max(0, Math.round(d / FRAME_MS) - 1), 0);
  out(`## Scrolling the log up (wheel ${WHEEL_PX} px per event, at most one per frame)`);
  out();
  out(
    `${scroll.wheelEvents} wheel events; ${scroll.stalled ? 'last progress after' : 'took'} ${scroll.seconds.toFixed(1)} s` +
      (NUDGE
        ? `, ${scroll.nudges} nudges (the log sat at the top for ${NUDGE_SECONDS} s without loading, and was wheeled down ${3 * WHEEL_PX} px and up again); `
        : '; ') +
      (scroll.reachedOldest
        ? `reached the first message (#00001).`
        : scroll.stalled
          ? `**stalled at message #${scroll.oldestSeen}**: no older message showed for ${STALL_SECONDS} s of wheeling (the log stopped loading older pages).`
          : `stopped after ${SCROLL_SECONDS} s at message #${scroll.oldestSeen}.`),
  );
  out();
  out('| frames | p50 (ms) | p95 (ms) | max (ms) | frames over 16.7 ms | dropped frames (60 Hz) |');
  out('| ------ | -------- | -------- | -------- | ------------------- | ---------------------- |');
  out(
    `| ${f.n} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.max)} | ${scroll.frames.filter((d) => d > FRAME_MS + 1).length} | ${dropped} |`,
  );
  out();
  out(
    `Goal p95 ≤ ${GOALS.p95FrameMs} ms (read as one 60 Hz frame, 16.7 ms; rAF deltas come in whole vsyncs): ` +
      (scroll.reachedOldest
        ? `${verdict(f.p95 <= FRAME_MS + 1)}.`
        : `not judged: the scroll did not get through the history (${verdict(f.p95 <= FRAME_MS + 1)} for the part it saw).`),
  );
  console.log(lines.join('\n'));
}

async function main() {
  const dist = WEB_CLIENT_DIST;
  if (!fs.existsSync(path.join(dist, 'index.html')))
    throw new Error(`no ${dist}index.html: run npm run build:web first`);
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(`no ${CHROMIUM_PATH}: sudo apt-get install -y chromium fonts-liberation`);
  const loadBefore = os.loadavg();
  const started = Date.now();
  const bundle = analyseBundle(dist);
  const builtAt = fs.statSync(path.join(dist, 'index.html')).mtime;
  log(`initial JS ${kb(bundle.jsGzipBytes)} kB gzipped`);

  const { dir, file } = tempConfig(RELAXED_LIMITS, UNLIMITED_SENDS, UNLIMITED_WRITES);
  const gochat = await startGochat({
    env: { ...SECRETS, DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file },
    timeoutMs: 120_000,
  });
  const browser = await launchChromium(CHROMIUM_PATH);
  try {
    const community = await createCommunity(gochat, 4);
    const channelPath = `/guilds/${community.guildId}/${community.channelId}`;
    log(`seeding ${MESSAGES} messages`);
    const seedSeconds = await seed(gochat, community.channelId, [community.owner, ...community.members]);
    const stored = await session(gochat.url, community.owner);

    const cold: number[] = [];
    const warm: number[] = [];
    // One untimed visit first: the process's own caches (plans, hydration) are warm for every run.
    {
      const { context, page } = await signedInPage(browser, gochat.url, stored);
      await firstMessagesMs(page, channelPath);
      await context.close();
    }
    for (let run = 1; run <= RUNS; run++) {
      const { context, page } = await signedInPage(browser, gochat.url, stored);
      cold.push(await firstMessagesMs(page, channelPath));
      warm.push(await firstMessagesMs(page, channelPath));
      await context.close();
      log(`run ${run}/${RUNS}: cold ${ms(cold.at(-1)!)} ms, warm ${ms(warm.at(-1)!)} ms`);
    }

    log('scrolling');
    const { context, page } = await signedInPage(browser, gochat.url, stored);
    await firstMessagesMs(page, channelPath);
    await messageLog(page).getByRole('article').first().waitFor();
    const scroll = await scrollThrough(page);
    await context.close();

    printReport({
      bundle,
      builtAt,
      chromium: `Chromium ${browser.version()}`,
      seedSeconds,
      cold,
      warm,
      scroll,
      loadBefore,
      loadAfter: os.loadavg(),
      minutes: (Date.now() - started) / 60_000,
    });
  } finally {
    await browser.close();
    await gochat.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
