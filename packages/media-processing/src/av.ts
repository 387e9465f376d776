import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { validation } from '@gochat/errors';

export interface AvInfo {
  durationSeconds: number | null;
  /** Displayed size of the first video stream (rotation applied); null without video. */
  width: number | null;
  height: number | null;
  /** A video stream that is not just cover art. */
  hasVideo: boolean;
  hasAudio: boolean;
}

const PROBE_TIMEOUT_MS = 30_000;
const POSTER_TIMEOUT_MS = 30_000;
const VERSION_TIMEOUT_MS = 10_000;
/** ffprobe's JSON for an ordinary file is a few KB. */
const PROBE_MAX_OUTPUT = 4 * 1024 * 1024;
/** A PNG of an 8K frame stays well under this. */
const POSTER_MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * The demuxers ffmpeg may use: audio and video containers only. Playlists (hls), scripts (concat) and
 * image sequences open further files or URLs named inside the upload; they are never allowed.
 */
const DEMUXERS = [
  'mov',
  'matroska',
  'ogg',
  'wav',
  'w64',
  'mp3',
  'flac',
  'aac',
  'aiff',
  'caf',
  'amr',
  'au',
  'avi',
  'asf',
  'flv',
  'mpeg',
  'mpegts',
].join(',');

interface RunResult {
  stdout: Buffer;
}

class ToolFailed extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'ToolFailed';
  }
}

/**
 * Runs a program with an argument array (no shell) and a bounded output. A program that exits with an
 * error, times out or writes too much rejects with ToolFailed; one that cannot be started, with its
 * spawn error.
 */
function run(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  maxOutput: number,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      {
        encoding: 'buffer',
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: maxOutput,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolvePromise({ stdout });
          return;
        }
        // A program that could not be started (ENOENT, EACCES) has a string code; an exit status is a
        // number, and a timeout a signal.
        const { code, killed } = error as { code?: unknown; killed?: boolean };
        if (typeof code === 'string' && code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          reject(Object.assign(new Error(`${command} could not be started: ${error.message}`), { code }));
          return;
        }
        const reason =
          killed || typeof code === 'string'
            ? 'was stopped (time or output limit)'
            : `exited with ${String(code)}`;
        reject(new ToolFailed(`${command} ${reason}`, stderr.toString('utf8').slice(0, 2000)));
      },
    );
  });
}

let available: Promise<boolean> | undefined;

/** Whether ffprobe and ffmpeg can be run (checked once per process). */
export function ffmpegAvailable(): Promise<boolean> {
  available ??= Promise.all([
    run('ffprobe', ['-version'], VERSION_TIMEOUT_MS, PROBE_MAX_OUTPUT),
    run('ffmpeg', ['-version'], VERSION_TIMEOUT_MS, PROBE_MAX_OUTPUT),
  ]).then(
    () => true,
    () => false,
  );
  return available;
}

const isUrl = (location: string) => /^https?:\/\//i.test(location);

/**
 * The input options for a location: an http(s) URL (a presigned object URL), or a local path, which
 * is passed as `file:` so that a name with a colon is never taken for another protocol. Only the
 * protocols the location needs, and only the demuxers above, are allowed. A missing local file is
 * the caller's error (ENOENT), not the user's.
 */
async function inputArgs(location: string): Promise<string[]> {
  if (isUrl(location)) {
    return ['-protocol_whitelist', 'http,https,tcp,tls', '-format_whitelist', DEMUXERS, '-i', location];
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new Error(`Unsupported media location scheme ${location.split(':', 1)[0]}:`);
  }
  const path = resolve(location);
  await stat(path);
  return ['-protocol_whitelist', 'file', '-format_whitelist', DEMUXERS, '-i', `file:${path}`];
}

function finite(value: unknown): number | null {
  const n = typeof value === 'string' ? Number.parseFloat(value) : typeof value === 'number' ? value : NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** A stream's rotation in degrees (display matrix side data, or the older `rotate` tag). */
function rotationOf(stream: Record<string, unknown>): number {
  for (const side of list(stream.side_data_list)) {
    const rotation = finite(Math.abs(Number(record(side).rotation)));
    if (rotation !== null) return rotation;
  }
  return finite(Math.abs(Number(record(stream.tags).rotate))) ?? 0;
}

/**
 * Reads the streams and duration of an audio or video file with ffprobe. VALIDATION (field `file`)
 * when ffprobe cannot read it (not a media container ffmpeg knows, damaged, too slow to read) or it
 * holds neither audio nor video.
 */
export async function probeAv(location: string): Promise<AvInfo> {
  const args = [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    ...(await inputArgs(location)),
  ];
  let output: RunResult;
  try {
    output = await run('ffprobe', args, PROBE_TIMEOUT_MS, PROBE_MAX_OUTPUT);
  } catch (error) {
    if (error instanceof ToolFailed)
      throw validation('The file is not a readable audio or video file.', 'file');
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(output.stdout.toString('utf8'));
  } catch {
    throw validation('The file is not a readable audio or video file.', 'file');
  }
  const streams = list(record(parsed).streams).map(record);
  const video = streams.find((s) => s.codec_type === 'video' && record(s.disposition).attached_pic !== 1);
  const hasAudio = streams.some((s) => s.codec_type === 'audio');
  if (!video && !hasAudio) throw validation('The file holds neither audio nor video.', 'file');

  let width: number | null = null;
  let height: number | null = null;
  if (video) {
    const w = finite(video.width);
    const h = finite(video.height);
    if (w !== null && h !== null && w > 0 && h > 0) {
      const sideways = rotationOf(video) % 180 === 90;
      width = sideways ? h : w;
      height = sideways ? w : h;
    }
  }
  const streamDurations = streams.map((s) => finite(s.duration)).filter((d): d is number => d !== null);
  const durationSeconds =
    finite(record(record(parsed).format).duration) ??
    (streamDurations.length > 0 ? Math.max(...streamDurations) : null);
  return { durationSeconds, width, height, hasVideo: video !== undefined, hasAudio };
}

async function grabFrame(location: string, atSeconds: number): Promise<Buffer> {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-ss',
    atSeconds.toFixed(3),
    ...(await inputArgs(location)),
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-an',
    '-sn',
    '-dn',
    '-f',
    'image2pipe',
    '-vcodec',
    'png',
    '-',
  ];
  try {
    return (await run('ffmpeg', args, POSTER_TIMEOUT_MS, POSTER_MAX_OUTPUT)).stdout;
  } catch (error) {
    if (error instanceof ToolFailed) throw validation('The video could not be decoded.', 'file');
    throw error;
  }
}

/**
 * One frame of a video as PNG, taken at `atSeconds` (or at the start, when the video is shorter).
 * VALIDATION (field `file`) when the file has no decodable video frame.
 */
export async function posterFrame(location: string, o: { atSeconds: number }): Promise<Buffer> {
  if (!Number.isFinite(o.atSeconds) || o.atSeconds < 0) throw new RangeError(`Invalid time ${o.atSeconds}.`);
  const frame = await grabFrame(location, o.atSeconds);
  if (frame.length > 0) return frame;
  if (o.atSeconds > 0) {
    const first = await grabFrame(location, 0);
    if (first.length > 0) return first;
  }
  throw validation('The video has no frame to show.', 'file');
}
