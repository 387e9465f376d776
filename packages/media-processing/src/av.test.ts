import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { isDomainError } from '@gochat/errors';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ffmpegAvailable, posterFrame, probeAv } from './av.ts';
import { sniff } from './sniff.ts';

const run = promisify(execFile);
const hasFfmpeg = await ffmpegAvailable();
if (!hasFfmpeg) console.warn('Skipping the audio/video tests: ffmpeg and ffprobe are not installed.');

let dir: string;
const files: Record<string, string> = {};
const f = (name: string) => files[name]!;

async function ffmpeg(name: string, args: string[]) {
  files[name] = join(dir, name);
  await run('ffmpeg', ['-y', '-hide_banner', '-v', 'error', ...args, files[name]]);
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isDomainError(error))
      return { code: error.code, field: error.extensions.field, message: error.message };
    throw error;
  }
  return null;
}

describe('ffmpegAvailable', () => {
  it('answers once per process', async () => {
    expect(typeof hasFfmpeg).toBe('boolean');
    expect(ffmpegAvailable()).toBe(ffmpegAvailable());
    await expect(ffmpegAvailable()).resolves.toBe(hasFfmpeg);
  });
});

describe.skipIf(!hasFfmpeg)('with ffmpeg', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gochat-av-'));
    const video = ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25:duration=1'];
    const tone = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1'];
    await ffmpeg('clip.mp4', [
      ...video,
      ...tone,
      '-shortest',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-movflags',
      '+faststart',
    ]);
    // A phone's portrait video: landscape frames with a 90° display rotation.
    await ffmpeg('portrait.mov', ['-i', f('clip.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90']);
    await ffmpeg('tone.wav', tone);
    await ffmpeg('tone.ogg', [...tone, '-c:a', 'libvorbis']);
    await ffmpeg('voice.webm', [...tone, '-c:a', 'libopus']);
    await ffmpeg('cover.png', ['-f', 'lavfi', '-i', 'color=c=blue:size=32x32', '-frames:v', '1']);
    // An MP3 with cover art: the picture is a video stream, but the file is audio.
    await ffmpeg('song.mp3', [
      ...tone,
      '-i',
      f('cover.png'),
      '-map',
      '0',
      '-map',
      '1',
      '-c:a',
      'libmp3lame',
      '-c:v',
      'png',
      '-disposition:v:0',
      'attached_pic',
    ]);
    files['notes.txt'] = join(dir, 'notes.txt');
    await writeFile(f('notes.txt'), 'not a video\n');
    // A playlist that makes ffmpeg open another local file: the classic way to read the server's files.
    files['playlist.m3u8'] = join(dir, 'playlist.m3u8');
    await writeFile(
      f('playlist.m3u8'),
      `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:${f('clip.mp4')}\n#EXT-X-ENDLIST\n`,
    );

    server = createServer((req, res) => {
      const name = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname.slice(1));
      if (!files[name]) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(f(name)).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  describe('probeAv', () => {
    it('reads duration, size and streams of a video', async () => {
      const info = await probeAv(f('clip.mp4'));
      expect(info).toMatchObject({ width: 160, height: 120, hasVideo: true, hasAudio: true });
      expect(info.durationSeconds).toBeCloseTo(1, 1);
    });

    it('reports the displayed size of a rotated video', async () => {
      await expect(probeAv(f('portrait.mov'))).resolves.toMatchObject({
        width: 120,
        height: 160,
        hasVideo: true,
      });
    });

    it('reads audio, and does not count cover art as video', async () => {
      for (const name of ['tone.wav', 'tone.ogg', 'voice.webm', 'song.mp3']) {
        const info = await probeAv(f(name));
        expect({ name, ...info, durationSeconds: undefined }).toEqual({
          name,
          durationSeconds: undefined,
          width: null,
          height: null,
          hasVideo: false,
          hasAudio: true,
        });
        expect(info.durationSeconds).toBeCloseTo(1, 0);
      }
    });

    it('reads from an http URL', async () => {
      await expect(probeAv(`${baseUrl}/clip.mp4`)).resolves.toMatchObject({ width: 160, hasVideo: true });
      expect(await refusal(probeAv(`${baseUrl}/missing.mp4`))).toMatchObject({ field: 'file' });
    });

    it('refuses what is not audio or video', async () => {
      expect(await refusal(probeAv(f('notes.txt')))).toEqual({
        code: 'VALIDATION',
        field: 'file',
        message: 'The file is not a readable audio or video file.',
      });
      expect(await refusal(probeAv(f('cover.png')))).toMatchObject({ field: 'file' });
    });

    it('refuses a playlist that points ffmpeg at other files', async () => {
      // ffprobe on its own follows it: the demuxer whitelist is what stops it.
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_format', f('playlist.m3u8')]);
      expect(stdout).toContain('format_name=hls');
      expect(await refusal(probeAv(f('playlist.m3u8')))).toMatchObject({ code: 'VALIDATION', field: 'file' });
    });

    it('treats a missing file or an unknown scheme as the caller’s error', async () => {
      await expect(probeAv(join(dir, 'missing.mp4'))).rejects.toMatchObject({ code: 'ENOENT' });
      const ftp = probeAv('ftp://example.com/a.mp4');
      await expect(ftp).rejects.toThrow(/Unsupported media location scheme/);
      await expect(ftp.catch((e: unknown) => isDomainError(e))).resolves.toBe(false);
    });
  });

  describe('posterFrame', () => {
    it('returns one frame as PNG', async () => {
      const png = await posterFrame(f('clip.mp4'), { atSeconds: 0.5 });
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 160, 120]);
      const fromUrl = await sharp(await posterFrame(`${baseUrl}/clip.mp4`, { atSeconds: 0 })).metadata();
      expect([fromUrl.format, fromUrl.width]).toEqual(['png', 160]);
    });

    it('takes the first frame when the video is shorter than the time asked', async () => {
      const meta = await sharp(await posterFrame(f('clip.mp4'), { atSeconds: 30 })).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 160, 120]);
    });

    it('applies the display rotation', async () => {
      const meta = await sharp(await posterFrame(f('portrait.mov'), { atSeconds: 0 })).metadata();
      expect([meta.width, meta.height]).toEqual([120, 160]);
    });

    it('refuses a file without video', async () => {
      expect(await refusal(posterFrame(f('tone.wav'), { atSeconds: 0 }))).toMatchObject({
        code: 'VALIDATION',
        field: 'file',
      });
      expect(await refusal(posterFrame(f('notes.txt'), { atSeconds: 0 }))).toMatchObject({ field: 'file' });
      await expect(posterFrame(f('clip.mp4'), { atSeconds: -1 })).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe('sniff, on real media', () => {
    it('serves containers by the kind the client declared', async () => {
      await expect(sniff(f('clip.mp4'), { contentType: 'video/mp4', filename: 'clip.mp4' })).resolves.toEqual(
        {
          contentType: 'video/mp4',
          kind: 'video',
          disposition: 'inline',
        },
      );
      // Phones call MP4 recordings .mov.
      await expect(
        sniff(f('clip.mp4'), { contentType: 'video/quicktime', filename: 'IMG_0001.MOV' }),
      ).resolves.toMatchObject({ contentType: 'video/mp4', kind: 'video' });
      await expect(
        sniff(f('voice.webm'), { contentType: 'audio/webm', filename: 'voice.webm' }),
      ).resolves.toEqual({
        contentType: 'audio/webm',
        kind: 'audio',
        disposition: 'inline',
      });
      await expect(
        sniff(f('tone.ogg'), { contentType: 'audio/ogg', filename: 'tone.ogg' }),
      ).resolves.toMatchObject({
        contentType: 'audio/ogg',
        kind: 'audio',
      });
      await expect(
        sniff(f('song.mp3'), { contentType: 'audio/mp3', filename: 'song.mp3' }),
      ).resolves.toMatchObject({
        contentType: 'audio/mpeg',
        kind: 'audio',
      });
      await expect(
        sniff(f('clip.mp4'), { contentType: 'image/gif', filename: 'clip.gif' }),
      ).rejects.toMatchObject({
        code: 'VALIDATION',
      });
    });
  });
});
