import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createDiskBlobStore, type BlobStore } from '@gochat/blob-store';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createBlobImageProxy, proxiedImageKey, type ImageProxy } from './image-proxy.ts';
import { solidBombPng } from './test-server.ts';

let dir: string;
let blobs: BlobStore;
let proxy: ImageProxy;
const SOURCE = 'https://cdn.example/picture.jpg';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'image-proxy-'));
  blobs = createDiskBlobStore({ dir, signingKey: randomBytes(32), baseUrl: 'https://chat.example' });
  proxy = createBlobImageProxy({ blobs, log: pino({ level: 'silent' }), maxDimension: 400 });
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function readCopy(key: string) {
  const copy = await blobs.localCopy(key);
  try {
    return await sharp(copy.path).metadata();
  } finally {
    await copy.release();
  }
}

describe('createBlobImageProxy', () => {
  it('stores a WebP copy without metadata, bounded in size, under a key derived from the source', async () => {
    const jpeg = await sharp({ create: { width: 1000, height: 500, channels: 3, background: '#336699' } })
      .jpeg()
      .withExif({ IFD0: { Artist: 'Someone', Copyright: 'Somewhere' } })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();

    const media = await proxy.store(SOURCE, jpeg, 'image/jpeg; charset=binary');
    const key = proxiedImageKey(SOURCE);
    expect(key).toMatch(/^embeds\/[0-9a-f]{64}\.webp$/);
    expect(media).toEqual({
      url: `https://chat.example/media/public/${key}`,
      width: 400,
      height: 200,
      contentType: 'image/webp',
      proxied: true,
      proxiedFrom: SOURCE,
      placeholder: expect.any(String),
    });
    const stored = await readCopy(key);
    expect(stored).toMatchObject({ format: 'webp', width: 400, height: 200 });
    expect(stored.exif).toBeUndefined();

    // The same source again: the same key, the same answer.
    expect(await proxy.store(SOURCE, jpeg, 'image/jpeg')).toEqual(media);
  });

  it('refuses a decompression bomb from its header, and stores nothing', async () => {
    const source = 'https://cdn.example/bomb.png';
    expect(await proxy.store(source, solidBombPng(20_000, 20_000), 'image/png')).toBeNull();
    expect(await blobs.head(proxiedImageKey(source))).toBeNull();
  });

  it('refuses what is not a raster image', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    expect(await proxy.store('https://cdn.example/a.svg', svg, 'image/svg+xml')).toBeNull();
    // An SVG served as PNG: sharp would render it, but it is not a format we show.
    expect(await proxy.store('https://cdn.example/b.png', svg, 'image/png')).toBeNull();
    expect(
      await proxy.store('https://cdn.example/c.png', Buffer.from('not an image'), 'image/png'),
    ).toBeNull();
    expect(await proxy.store('https://cdn.example/d.html', Buffer.from('<p>'), 'text/html')).toBeNull();
  });

  it('refuses a truncated image', async () => {
    const png = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#aa0000' } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(
      await proxy.store('https://cdn.example/cut.png', png.subarray(0, png.length / 2), 'image/png'),
    ).toBeNull();
  });
});
