/**
 * bench:media: the upload path of the media API, as a client drives it: createUpload, PUT the bytes to
 * the returned URL with its headers, completeUpload, and (when completion answers PROCESSING) polling
 * `upload(id)` until READY. 200 uploads of one 4-megapixel JPEG at 4 and 16 in parallel, against
 * GoChat embedded (`gochat start`, files under DATA_DIR) and against the same process storing in
 * s3rver (started in a child process of its own, bench/media-s3rver.ts).
 *
 * Baselines from the same run, next to each measurement:
 * - bare PUT: the same bytes PUT to the same store at the same concurrency. Embedded: presigned PUTs
 *   of uploads created first through the running process (only the PUTs are timed). s3rver: PUTs to
 *   URLs presigned by the blob store's S3 client on the same bucket.
 * - processing floor: in this process, @gochat/media-processing's processImage on the same image (the
 *   attachment previews, VARIANT_SIZES.attachment, and the blurhash), each job on its own copy of the
 *   file, through a pool as large as the server's media.processingConcurrency, fed at the same
 *   concurrency.
 *
 * Then the memory goal: 16 uploads of 25 MiB created, PUT and completed at once, GoChat's VmRSS
 * sampled every 50 ms (and VmHWM read before and after).
 *
 * Run: npm run bench:media [-- --uploads 200 --concurrency 4,16] (--quick: 20 uploads).
 * Progress on stderr, the report on stdout.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { processImage } from '@gochat/media-processing';
import {
  MediaCompleteUploadDocument,
  MediaCreateUploadDocument,
  MediaUploadDocument,
  freePort,
  startGochat,
  type GochatProcess,
  type MediaCompleteUploadMutation,
  type MediaCompleteUploadMutationVariables,
  type MediaCreateUploadMutation,
  type MediaCreateUploadMutationVariables,
  type MediaUploadQuery,
  type MediaUploadQueryVariables,
} from '@gochat/testkit';
import { VARIANT_SIZES } from '@gochat/uploads';
import { print } from 'graphql';
import pLimit from 'p-limit';

import { jpeg } from '../e2e/media/fixtures.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_WRITES, tempConfig } from '../e2e/support.ts';
import { createCommunity, operation, signIn, type Account } from './gochat-client.ts';
import {
  printMediaReport,
  type ConcurrencyRun,
  type FlowSample,
  type ModeResult,
  type RssPhase,
  type Timed,
} from './media-report.ts';
import { startS3rver, type S3rverProcess } from './media-s3rver.ts';

const { values } = parseArgs({
  options: {
    uploads: { type: 'string' },
    concurrency: { type: 'string', default: '4,16' },
    quick: { type: 'boolean', default: false },
  },
});
const QUICK = values.quick;
const UPLOADS = Number(values.uploads ?? (QUICK ? 20 : 200));
const CONCURRENCIES = values.concurrency.split(',').map(Number);
if (!Number.isInteger(UPLOADS) || UPLOADS < 1 || CONCURRENCIES.some((c) => !Number.isInteger(c) || c < 1))
  throw new Error('--uploads and --concurrency take positive integers (--concurrency 4,16)');

/** About 4 megapixels (2309 × 1732 = 3,999,188), a phone photo's 4:3. */
const JPEG_SIZE = { width: 2309, height: 1732 };
/** The memory goal's load: this many uploads of this size at once. */
const BIG_UPLOADS = 16;
const BIG_BYTES = 25 * 2 ** 20;
/** Set in the config (it is the default) so the floor's pool matches the server's. */
const PROCESSING_CONCURRENCY = 2;
/** media.limits.maxPixels's default, as the server passes it to processImage. */
const MAX_PIXELS = 40_000_000;
/** Untimed uploads after each start (sharp, the JIT, the database's caches). */
const WARMUP_UPLOADS = 4;
/** Polling `upload(id)` after a PROCESSING answer: often for the photos, less for the 25 MiB files. */
const POLL_MS = 25;
const BIG_POLL_MS = 250;
const RSS_SAMPLE_MS = 50;
const GOALS = { floorRatio: 0.7, peakRssMb: 300 };
const REPO = path.resolve(import.meta.dirname, '..');

const log = (message: string) =>
  console.error(`[media ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM). */
function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]);
}

/** Runs job(0..count-1) from `concurrency` loops taking the next index in turn; wall time of all. */
async function inParallel<T>(
  count: number,
  concurrency: number,
  job: (i: number) => Promise<T>,
): Promise<Timed<T>> {
  const samples = new Array<T>(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) samples[i] = await job(i);
    }),
  );
  return { samples, seconds: (performance.now() - started) / 1000 };
}

async function timedMs(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

interface PutTarget {
  url: string;
  method: string;
  headers: Record<string, string>;
}

/** PUTs the bytes exactly as told (relative URLs are the router's); any answer but 2xx throws. */
async function putBytes(base: string, target: PutTarget, body: Uint8Array<ArrayBuffer>): Promise<void> {
  const response = await fetch(new URL(target.url, base), {
    method: target.method,
    headers: target.headers,
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`PUT ${response.status}: ${text.slice(0, 300)}`);
}

interface File {
  bytes: Uint8Array<ArrayBuffer>;
  contentType: string;
  filename: string;
}

/** The client side of one user's uploads into one channel. */
function uploader(url: string, jwt: string, channelId: string) {
  const create = operation<MediaCreateUploadMutation, MediaCreateUploadMutationVariables>(
    url,
    print(MediaCreateUploadDocument),
    jwt,
  );
  const complete = operation<MediaCompleteUploadMutation, MediaCompleteUploadMutationVariables>(
    url,
    print(MediaCompleteUploadDocument),
    jwt,
  );
  const get = operation<MediaUploadQuery, MediaUploadQueryVariables>(url, print(MediaUploadDocument), jwt);

  async function createOnly(file: File) {
    const { createUpload } = await create({
      input: {
        kind: 'ATTACHMENT',
        channelId,
        filename: file.filename,
        contentType: file.contentType,
        size: file.bytes.length,
      },
    });
    const target: PutTarget = {
      url: createUpload.url,
      method: createUpload.method,
      headers: Object.fromEntries(createUpload.headers.map((h) => [h.name, h.value])),
    };
    return { id: createUpload.upload.id, target };
  }

  /** The whole flow, each step timed; throws unless the upload ends READY. */
  async function flow(
    file: File,
    pollMs = POLL_MS,
  ): Promise<FlowSample & { upload: MediaCompleteUploadMutation['completeUpload'] }> {
    const t0 = performance.now();
    const { id, target } = await createOnly(file);
    const t1 = performance.now();
    await putBytes(url, target, file.bytes);
    const t2 = performance.now();
    let upload = (await complete({ id })).completeUpload;
    const t3 = performance.now();
    const inline = upload.state === 'READY';
    while (upload.state === 'PROCESSING' || upload.state === 'PENDING') {
      await sleep(pollMs);
      const polled = (await get({ id })).upload;
      if (!polled) throw new Error(`upload ${id} vanished`);
      upload = polled;
    }
    if (upload.state !== 'READY') throw new Error(`upload ${id} ended ${upload.state}: ${upload.error}`);
    const t4 = performance.now();
    return {
      create: t1 - t0,
      put: t2 - t1,
      complete: t3 - t2,
      ready: t4 - t3,
      whole: t4 - t0,
      inline,
      upload,
    };
  }

  return { createOnly, flow };
}

type Uploader = ReturnType<typeof uploader>;

interface Mode {
  name: string;
  env: Record<string, string>;
  /** Presigned PUT targets on the mode's store, made untimed before the bare PUTs. */
  bareTargets(client: Uploader, count: number, concurrency: number, file: File): Promise<PutTarget[]>;
  stop(): Promise<void>;
}

interface Context {
  image: File;
  /** The JPEG on disk, copied per floor job. */
  scratch: string;
}

/** processImage on `count` copies of the image, fed at `concurrency`, run by a pool of the server's size. */
async function processingFloor(ctx: Context, count: number, concurrency: number): Promise<Timed<number>> {
  const files = Array.from({ length: count }, (_, i) =>
    path.join(ctx.scratch, `floor-${concurrency}-${i}.jpg`),
  );
  // A copy per job, as the server has a file per upload: sharp never sees the same path twice in a run.
  for (const file of files) fs.writeFileSync(file, ctx.image.bytes);
  const pool = pLimit(PROCESSING_CONCURRENCY);
  try {
    return await inParallel(count, concurrency, (i) =>
      pool(() =>
        timedMs(() =>
          processImage(files[i]!, { maxPixels: MAX_PIXELS, previewSizes: VARIANT_SIZES.attachment }),
        ),
      ),
    );
  } finally {
    for (const file of files) fs.rmSync(file, { force: true });
  }
}

/** Starts GoChat for the mode, with a guild, a channel and its owner signed up through it. */
async function startFor(mode: Mode, dataDir: string, configFile: string) {
  const gochat = await startGochat({
    env: {
      ...SECRETS,
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      GOCHAT_CONFIG: configFile,
      ...mode.env,
    },
    nodeArgs: NODE_ARGS,
    timeoutMs: 120_000,
  });
  const community = await createCommunity(gochat, 0);
  return { gochat, owner: community.owner, channelId: community.channelId };
}

async function stopGochat(gochat: GochatProcess): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'no exit within 60 s'>((resolve) => {
    timer = setTimeout(() => resolve('no exit within 60 s'), 60_000);
  });
  const code = await Promise.race([gochat.stop('SIGTERM'), timeout]);
  clearTimeout(timer);
  if (code === 'no exit within 60 s') {
    gochat.child.kill('SIGKILL');
    await gochat.exited;
  }
  return code;
}

async function measureMode(ctx: Context, mode: Mode): Promise<ModeResult> {
  const { dir, file } = tempConfig(
    RELAXED_LIMITS,
    UNLIMITED_WRITES,
    `accounts:\n  jwtTtl: 1h\nmedia:\n  processingConcurrency: ${PROCESSING_CONCURRENCY}\n` +
      `  limits:\n    attachmentBytes: ${BIG_BYTES}\n`,
  );
  let gochat: GochatProcess | undefined;
  try {
    log(`${mode.name}: starting GoChat`);
    const started = await startFor(mode, dir, file);
    gochat = started.gochat;
    const owner: Account = started.owner;
    const pid = gochat.child.pid!;
    const rssAtStartKb = statusKb(pid, 'VmRSS');
    const fresh = async () => uploader(gochat!.url, await signIn(gochat!.url, owner), started.channelId);

    const warm = await fresh();
    const first = await warm.flow(ctx.image);
    const sizes = first.upload.previews.map((p) => p.size).join(',');
    if (first.upload.width !== JPEG_SIZE.width || sizes !== VARIANT_SIZES.attachment.join(','))
      throw new Error(`unexpected upload: ${JSON.stringify(first.upload)}`);
    await inParallel(WARMUP_UPLOADS, 2, () => warm.flow(ctx.image));

    const runs: ConcurrencyRun[] = [];
    for (const concurrency of CONCURRENCIES) {
      const client = await fresh();
      log(`${mode.name}, ${concurrency} in parallel: bare PUT`);
      const targets = await mode.bareTargets(client, UPLOADS, concurrency, ctx.image);
      const barePut = await inParallel(UPLOADS, concurrency, (i) =>
        timedMs(() => putBytes(gochat!.url, targets[i]!, ctx.image.bytes)),
      );
      log(`${mode.name}, ${concurrency} in parallel: processing floor`);
      const floor = await processingFloor(ctx, UPLOADS, concurrency);
      log(`${mode.name}, ${concurrency} in parallel: ${UPLOADS} uploads end to end`);
      const flow = await inParallel(UPLOADS, concurrency, () => client.flow(ctx.image));
      log(
        `${mode.name}, ${concurrency} in parallel: ${(UPLOADS / flow.seconds).toFixed(2)} uploads/s end to end, ` +
          `floor ${(UPLOADS / floor.seconds).toFixed(2)}, bare PUT ${(UPLOADS / barePut.seconds).toFixed(1)}`,
      );
      runs.push({ concurrency, uploads: UPLOADS, flow, barePut, floor });
    }

    const hwmAfterThroughputKb = statusKb(pid, 'VmHWM');
    log(`${mode.name}: ${BIG_UPLOADS} uploads of ${BIG_BYTES / 2 ** 20} MiB at once`);
    const big: File = {
      bytes: new Uint8Array(randomBytes(BIG_BYTES)),
      contentType: 'application/octet-stream',
      filename: 'random.bin',
    };
    const client = await fresh();
    const rss = await peakRss(pid, () =>
      inParallel(BIG_UPLOADS, BIG_UPLOADS, () => client.flow(big, BIG_POLL_MS)),
    );
    log(`${mode.name}: peak RSS ${(rss.peakKb / 1024).toFixed(0)} MB`);

    const exitCode = await stopGochat(gochat);
    gochat = undefined;
    log(`${mode.name}: GoChat exited with ${exitCode}`);
    return { name: mode.name, runs, rssAtStartKb, hwmAfterThroughputKb, rss, exitCode };
  } finally {
    if (gochat) await stopGochat(gochat);
    await mode.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the load while sampling the process's VmRSS every RSS_SAMPLE_MS; VmHWM before and after. */
async function peakRss(pid: number, load: () => Promise<Timed<FlowSample>>): Promise<RssPhase> {
  const hwmBeforeKb = statusKb(pid, 'VmHWM');
  const beforeKb = statusKb(pid, 'VmRSS');
  let peakKb = beforeKb;
  let samples = 1;
  const timer = setInterval(() => {
    peakKb = Math.max(peakKb, statusKb(pid, 'VmRSS'));
    samples++;
  }, RSS_SAMPLE_MS);
  try {
    const result = await load();
    peakKb = Math.max(peakKb, statusKb(pid, 'VmRSS'));
    return {
      uploads: result.samples.length,
      bytes: BIG_BYTES,
      pollMs: BIG_POLL_MS,
      seconds: result.seconds,
      steps: result.samples,
      beforeKb,
      peakKb,
      samples: samples + 1,
      hwmBeforeKb,
      hwmAfterKb: statusKb(pid, 'VmHWM'),
      inline: result.samples.filter((s) => s.inline).length,
    };
  } finally {
    clearInterval(timer);
  }
}

/** Embedded: files under DATA_DIR/blobs; the bare PUTs go to uploads created through GoChat. */
function embedded(): Mode {
  return {
    name: 'embedded (disk)',
    env: {},
    bareTargets: async (client, count, concurrency, file) =>
      (await inParallel(count, concurrency, async () => (await client.createOnly(file)).target)).samples,
    stop: () => Promise.resolve(),
  };
}

/** s3rver: GoChat stores in its bucket; the bare PUTs go to URLs presigned by the blob store's client. */
async function s3rver(): Promise<Mode> {
  log('starting s3rver');
  const s3: S3rverProcess = await startS3rver();
  let run = 0;
  return {
    name: 's3rver',
    env: s3.env,
    async bareTargets(_client, count, _concurrency, file) {
      run++;
      return Promise.all(
        Array.from({ length: count }, (_, i) =>
          s3.store.presignPut(`bench-put/${run}/${i}`, {
            contentType: file.contentType,
            contentLength: file.bytes.length,
            expiresInSeconds: 3_600,
          }),
        ),
      );
    },
    async stop() {
      const code = await s3.stop();
      if (code !== 0) log(`s3rver exited with ${code}`);
    },
  };
}

async function main() {
  const loadBefore = os.loadavg();
  const started = Date.now();
  log(`making a ${JPEG_SIZE.width}×${JPEG_SIZE.height} JPEG`);
  const bytes = new Uint8Array(await jpeg(JPEG_SIZE.width, JPEG_SIZE.height));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-bench-media-'));
  const ctx: Context = { image: { bytes, contentType: 'image/jpeg', filename: 'photo.jpg' }, scratch };
  const results: ModeResult[] = [];
  try {
    // The floor once untimed: sharp's first calls load libvips' decoders.
    await processingFloor(ctx, 2, 2);
    results.push(await measureMode(ctx, embedded()));
    results.push(await measureMode(ctx, await s3rver()));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  printMediaReport(results, {
    quick: QUICK,
    jpeg: { ...JPEG_SIZE, bytes: bytes.length },
    processingConcurrency: PROCESSING_CONCURRENCY,
    nodeArgs: NODE_ARGS,
    loadBefore,
    loadAfter: os.loadavg(),
    minutes: (Date.now() - started) / 60_000,
    goals: GOALS,
  });
  if (results.some((r) => r.exitCode !== 0)) process.exitCode = 1;
}

await main();
