/**
 * bench:media: the upload path of the media API, as a client drives it: createUpload, PUT the bytes to
 * the returned URL with its headers, completeUpload, and (when completion answers PROCESSING) polling
 * `upload(id)` until READY. 200 uploads of one 4-megapixel JPEG at 4 and 16 in parallel, in two modes:
 * - embedded (disk): one `gochat start` process, every role and PGlite in it, files under DATA_DIR;
 * - real servers + s3rver: PostgreSQL (a throwaway database), NATS and Redis (a private stream and key
 *   prefix), s3rver (a child process of its own, bench/media-s3rver.ts), and one process per role
 *   (bench/media-servers.ts): accounts, guilds, messages, media, the router, the media janitor.
 * The client talks to the router in both.
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
 * Then the memory goal: 16 uploads of 25 MiB created, PUT and completed at once, with VmRSS sampled
 * every 50 ms (and VmHWM read before and after) of the embedded process, or of the media role's and
 * the router's processes separately.
 *
 * Run: npm run bench:media [-- --uploads 200 --concurrency 4,16 --modes embedded,real] (--quick: 20
 * uploads).
 * Progress on stderr, the report on stdout.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { processImage } from '@gochat/media-processing';
import {
  CreateChannelDocument,
  CreateGuildDocument,
  MediaCompleteUploadDocument,
  MediaCreateUploadDocument,
  MediaUploadDocument,
  createVerifiedUser,
  freePort,
  gqlOk,
  logMailbox,
  startGochat,
  type GochatProcess,
  type Mailbox,
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
import { operation, signIn, type Account } from './gochat-client.ts';
import {
  mb,
  printMediaReport,
  type ConcurrencyRun,
  type FlowSample,
  type MeasuredProcess,
  type ModeResult,
  type PhaseMemory,
  type ProcessExit,
  type ProcessFootprint,
  type RssPhase,
  type Timed,
} from './media-report.ts';
import { startS3rver, type S3rverProcess } from './media-s3rver.ts';
import {
  realServerUrls,
  realServersScope,
  roleProcess,
  routerRole,
  startRoles,
  subgraphRole,
  type RealServerUrls,
} from './media-servers.ts';

const { values } = parseArgs({
  options: {
    uploads: { type: 'string' },
    concurrency: { type: 'string', default: '4,16' },
    quick: { type: 'boolean', default: false },
    modes: { type: 'string', default: 'embedded,real' },
  },
});
const QUICK = values.quick;
const UPLOADS = Number(values.uploads ?? (QUICK ? 20 : 200));
const CONCURRENCIES = values.concurrency.split(',').map(Number);
const MODES = new Set(values.modes.split(','));
if (MODES.size === 0 || [...MODES].some((m) => m !== 'embedded' && m !== 'real'))
  throw new Error('--modes takes embedded, real or both (--modes embedded,real)');
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

/** A running GoChat process and what the report calls it. */
interface Labelled {
  label: string;
  proc: GochatProcess;
}

/** What a mode started: the router's URL, where the mails are logged, the processes to measure. */
interface Deployment {
  url: string;
  /** The accounts role's log, where the verification mails are (MAIL_PROVIDER log, the default). */
  mailbox: Mailbox;
  /** The processes whose memory is reported against the goal. */
  measured: Labelled[];
}

interface Mode {
  name: string;
  /** A line for the report under the memory table. */
  memoryNote: string;
  /** Starts GoChat on `env` (secrets, DATA_DIR, GOCHAT_CONFIG); every process goes to `started` at once. */
  start(env: Record<string, string>, started: Labelled[]): Promise<Deployment>;
  /** Presigned PUT targets on the mode's store, made untimed before the bare PUTs. */
  bareTargets(client: Uploader, count: number, concurrency: number, file: File): Promise<PutTarget[]>;
  /** Stops what the mode owns besides GoChat (s3rver, the database, the NATS stream and Redis keys). */
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

/** The owner of a new guild with one text channel, signed up and verified through the router. */
async function ownerAndChannel(
  url: string,
  mailbox: Mailbox,
): Promise<{ owner: Account; channelId: string }> {
  const user = await createVerifiedUser(url, mailbox, { displayName: 'Bench user 0' });
  const { createGuild } = await gqlOk(url, CreateGuildDocument, { name: 'Bench guild' }, user.jwt);
  const { createChannel } = await gqlOk(
    url,
    CreateChannelDocument,
    { guildId: createGuild.id, name: 'media' },
    user.jwt,
  );
  return { owner: { id: user.id, email: user.email, password: user.password }, channelId: createChannel.id };
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

/** SIGTERM to each process, last listening first (the janitor, then the router, then the subgraphs). */
async function stopAll(started: Labelled[]): Promise<ProcessExit[]> {
  const exits: ProcessExit[] = [];
  while (started.length) {
    const { label, proc } = started.pop()!;
    exits.unshift({ process: label, code: await stopGochat(proc) });
  }
  return exits;
}

async function measureMode(ctx: Context, mode: Mode): Promise<ModeResult> {
  const { dir, file } = tempConfig(
    RELAXED_LIMITS,
    UNLIMITED_WRITES,
    `accounts:\n  jwtTtl: 1h\nmedia:\n  processingConcurrency: ${PROCESSING_CONCURRENCY}\n` +
      `  limits:\n    attachmentBytes: ${BIG_BYTES}\n`,
  );
  const started: Labelled[] = [];
  try {
    log(`${mode.name}: starting GoChat`);
    const gochat = await mode.start({ ...SECRETS, DATA_DIR: dir, GOCHAT_CONFIG: file }, started);
    const { owner, channelId } = await ownerAndChannel(gochat.url, gochat.mailbox);
    const atStartKb = new Map(started.map(({ proc }) => [proc, statusKb(proc.child.pid!, 'VmRSS')]));
    log(
      `${mode.name}: started, VmRSS ` +
        started.map(({ label, proc }) => `${label} ${mb(atStartKb.get(proc)!)} MB`).join(', '),
    );
    const fresh = async () => uploader(gochat.url, await signIn(gochat.url, owner), channelId);

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
        timedMs(() => putBytes(gochat.url, targets[i]!, ctx.image.bytes)),
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

    const hwmAfterThroughputKb = gochat.measured.map(({ proc }) => statusKb(proc.child.pid!, 'VmHWM'));
    log(`${mode.name}: ${BIG_UPLOADS} uploads of ${BIG_BYTES / 2 ** 20} MiB at once`);
    const big: File = {
      bytes: new Uint8Array(randomBytes(BIG_BYTES)),
      contentType: 'application/octet-stream',
      filename: 'random.bin',
    };
    const client = await fresh();
    const { phase, memory } = await peakRss(
      gochat.measured.map(({ proc }) => proc.child.pid!),
      () => inParallel(BIG_UPLOADS, BIG_UPLOADS, () => client.flow(big, BIG_POLL_MS)),
    );
    const measured: MeasuredProcess[] = gochat.measured.map(({ label, proc }, i) => ({
      process: label,
      rssAtStartKb: atStartKb.get(proc)!,
      hwmAfterThroughputKb: hwmAfterThroughputKb[i]!,
      ...memory[i]!,
    }));
    log(`${mode.name}: peak RSS ` + measured.map((m) => `${m.process} ${mb(m.peakKb)} MB`).join(', '));
    const all: ProcessFootprint[] = started.map(({ label, proc }) => ({
      process: label,
      rssAtStartKb: atStartKb.get(proc)!,
      hwmEndKb: statusKb(proc.child.pid!, 'VmHWM'),
    }));

    const exits = await stopAll(started);
    log(`${mode.name}: exit codes ${exits.map((e) => `${e.process} ${e.code}`).join(', ')}`);
    return { name: mode.name, memoryNote: mode.memoryNote, runs, rss: phase, measured, all, exits };
  } finally {
    await stopAll(started);
    await mode.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the load while sampling each process's VmRSS every RSS_SAMPLE_MS (all in the same tick), and
 * reads their VmHWM before and after.
 */
async function peakRss(
  pids: number[],
  load: () => Promise<Timed<FlowSample>>,
): Promise<{ phase: RssPhase; memory: PhaseMemory[] }> {
  const memory = pids.map((pid) => {
    const beforeKb = statusKb(pid, 'VmRSS');
    return { pid, hwmBeforeKb: statusKb(pid, 'VmHWM'), beforeKb, peakKb: beforeKb };
  });
  const sample = () => {
    for (const m of memory) m.peakKb = Math.max(m.peakKb, statusKb(m.pid, 'VmRSS'));
  };
  let samples = 1;
  const timer = setInterval(() => {
    sample();
    samples++;
  }, RSS_SAMPLE_MS);
  try {
    const result = await load();
    sample();
    return {
      phase: {
        uploads: result.samples.length,
        bytes: BIG_BYTES,
        pollMs: BIG_POLL_MS,
        seconds: result.seconds,
        steps: result.samples,
        samples: samples + 1,
        inline: result.samples.filter((s) => s.inline).length,
      },
      memory: memory.map(({ hwmBeforeKb, beforeKb, peakKb, pid }) => ({
        beforeKb,
        peakKb,
        hwmBeforeKb,
        hwmAfterKb: statusKb(pid, 'VmHWM'),
      })),
    };
  } finally {
    clearInterval(timer);
  }
}

/** Embedded: the monolith on PGlite, files under DATA_DIR/blobs; the bare PUTs go to uploads created through GoChat. */
function embedded(): Mode {
  return {
    name: 'embedded (disk)',
    memoryNote:
      'embedded (disk) is the whole monolith: every role and PGlite (a WASM PostgreSQL, about 190 MB ' +
      'on its own in bench:start) in one process, so its baseline includes PGlite and its row does not ' +
      'isolate the upload path.',
    async start(env, started) {
      const proc = await startGochat({
        env: { ...env, PORT: String(await freePort()) },
        nodeArgs: NODE_ARGS,
        timeoutMs: 120_000,
      });
      const monolith = { label: 'gochat start (all roles, PGlite)', proc };
      started.push(monolith);
      return { url: proc.url, mailbox: logMailbox(proc), measured: [monolith] };
    },
    bareTargets: async (client, count, concurrency, file) =>
      (await inParallel(count, concurrency, async () => (await client.createOnly(file)).target)).samples,
    stop: () => Promise.resolve(),
  };
}

/**
 * Real servers + s3rver: a throwaway database, a private NATS stream and Redis prefix, s3rver, one
 * process per role; the bare PUTs go to URLs presigned by the blob store's client.
 */
async function realServers(urls: RealServerUrls): Promise<Mode> {
  log('real servers + s3rver: creating the database, starting s3rver');
  const scope = await realServersScope(urls);
  let s3: S3rverProcess;
  try {
    s3 = await startS3rver();
  } catch (error) {
    await scope.remove();
    throw error;
  }
  let run = 0;
  return {
    name: 'real servers + s3rver',
    memoryNote:
      'real servers + s3rver measures the process of the media role (subgraph:media: createUpload, ' +
      'completeUpload, the processing) and the router (the client’s GraphQL; the bytes go straight to ' +
      's3rver) separately; PostgreSQL, NATS, Redis and s3rver are processes of their own.',
    async start(env, started) {
      const port = await freePort();
      const processes: GochatProcess[] = [];
      try {
        const roles = await startRoles(
          { ...env, ...scope.env, ...s3.env, PUBLIC_URL: `http://127.0.0.1:${port}` },
          port,
          NODE_ARGS,
          processes,
        );
        const router = roleProcess(roles, routerRole());
        // Measured: the process that handles uploads, and the router the client talks to.
        const media = subgraphRole('media');
        const measured = [
          { label: media, proc: roleProcess(roles, media) },
          { label: router.role, proc: router },
        ];
        // The verification links are in the log of the process that mails them.
        const mailer = roleProcess(roles, subgraphRole('accounts'));
        return { url: router.url, mailbox: logMailbox(mailer), measured };
      } finally {
        for (const proc of processes) started.push({ label: proc.role, proc });
      }
    },
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
      await scope.remove();
    },
  };
}

async function main() {
  const loadBefore = os.loadavg();
  const started = Date.now();
  // Before anything runs: a missing server should not cost the embedded mode's minutes first.
  const servers = MODES.has('real') ? await realServerUrls() : undefined;
  log(`making a ${JPEG_SIZE.width}×${JPEG_SIZE.height} JPEG`);
  const bytes = new Uint8Array(await jpeg(JPEG_SIZE.width, JPEG_SIZE.height));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-bench-media-'));
  const ctx: Context = { image: { bytes, contentType: 'image/jpeg', filename: 'photo.jpg' }, scratch };
  const results: ModeResult[] = [];
  try {
    // The floor once untimed: sharp's first calls load libvips' decoders.
    await processingFloor(ctx, 2, 2);
    if (MODES.has('embedded')) results.push(await measureMode(ctx, embedded()));
    if (servers) results.push(await measureMode(ctx, await realServers(servers)));
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
  if (results.some((r) => r.exits.some((e) => e.code !== 0))) process.exitCode = 1;
}

await main();
