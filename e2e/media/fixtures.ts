import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

import sharp from 'sharp';

const run = promisify(execFile);

/** A photo-like JPEG (a gradient with noise, so it compresses like one), without EXIF. */
export async function jpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = ((x ^ y) * 7) & 255;
    }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

export const png = (width: number, height: number, color = '#3366cc') =>
  sharp({ create: { width, height, channels: 4, background: color } })
    .png()
    .toBuffer();

/** An animated GIF (ffmpeg's test pattern, 5 frames). */
export function animatedGif(size: number): Promise<Buffer> {
  return ffmpegOutput('anim.gif', ['-f', 'lavfi', '-i', `testsrc=duration=1:size=${size}x${size}:rate=5`]);
}

async function ffmpegOutput(name: string, args: string[]): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-ffmpeg-'));
  const out = path.join(dir, name);
  try {
    await run('ffmpeg', ['-v', 'error', ...args, out]);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A one-second 160x120 H.264 MP4 (ffmpeg's test pattern). */
export function mp4(): Promise<Buffer> {
  return ffmpegOutput('clip.mp4', [
    '-f',
    'lavfi',
    '-i',
    'testsrc=duration=1:size=160x120:rate=10',
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-movflags',
    '+faststart',
  ]);
}

/**
 * A PNG whose header claims width x height but whose data is a few bytes: a decompression bomb to
 * refuse from its header, never decoded.
 */
export function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
