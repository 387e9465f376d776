import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isDomainError } from '@gochat/errors';
import { isBlurhashValid } from 'blurhash';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { probeImage, processImage, stripImageMetadata } from './image.ts';
import { apng, bombPng, exifHasGps, pngChunk, pngChunkTypes } from './test-fixtures.ts';

let dir: string;
const files: Record<string, string> = {};
const f = (name: string) => files[name]!;
const MAX_PIXELS = 40_000_000;

async function fixture(name: string, bytes: Buffer) {
  files[name] = join(dir, name);
  await writeFile(files[name], bytes);
}

/** Pseudo-random pixels: they compress badly, so a cut lands well inside the image data. */
function noise(width: number, height: number) {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919 + (i >> 7) * 31) % 251;
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

const GPS_EXIF = {
  IFD0: { Copyright: 'Someone', Make: 'PhoneCo' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '51/1 30/1 2648/100',
    GPSLongitudeRef: 'W',
    GPSLongitude: '0/1 7/1 3962/100',
  },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gochat-image-'));
  const png = await noise(400, 300).png().toBuffer();
  const jpeg = await noise(400, 300).jpeg({ quality: 90 }).toBuffer();
  await fixture('png', png);
  await fixture('jpeg', jpeg);
  await fixture('truncated.png', png.subarray(0, Math.floor(png.length * 0.6)));
  await fixture('truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
  // Only the 2-byte end-of-image marker is missing: every scanline is there, yet it is truncated.
  await fixture('no-eoi.jpg', jpeg.subarray(0, jpeg.length - 2));
  await fixture('gps.jpg', await noise(64, 48).jpeg().withExif(GPS_EXIF).toBuffer());
  // Stored 64×48, displayed 48×64 (EXIF orientation 6: rotate 90° clockwise).
  await fixture('rotated.jpg', await noise(64, 48).jpeg().withMetadata({ orientation: 6 }).toBuffer());
  await fixture(
    'meta.png',
    await noise(40, 30)
      .png()
      .withExif(GPS_EXIF)
      .withXmp(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>',
      )
      .toBuffer(),
  );
  const frames = await Promise.all(
    ['#f00', '#0f0', '#00f'].map((background) =>
      sharp({ create: { width: 120, height: 90, channels: 3, background } })
        .png()
        .toBuffer(),
    ),
  );
  const gif = await sharp(frames, { join: { animated: true } })
    .gif({ delay: [100, 100, 100], loop: 0 })
    .toBuffer();
  await fixture('anim.gif', gif);
  await fixture('anim.webp', await sharp(gif, { pages: -1 }).webp().toBuffer());
  await fixture('anim-exif.webp', await sharp(gif, { pages: -1 }).webp().withExif(GPS_EXIF).toBuffer());
  const exif = (await sharp(await readFile(f('gps.jpg'))).metadata()).exif!;
  const colours = [
    [255, 0, 0, 255],
    [0, 0, 255, 255],
  ];
  await fixture('anim.png', apng(20, 10, colours));
  // eXIf holds the TIFF structure without the "Exif\0\0" prefix of a JPEG's APP1.
  await fixture('anim-exif.png', apng(20, 10, colours, [pngChunk('eXIf', exif.subarray(6))]));
  await fixture('bomb.png', bombPng(10_000, 10_000));
  await fixture('text.png', Buffer.from('<html>not an image</html>\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

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

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('probeImage', () => {
  it('reads format, displayed size and animation from the header', async () => {
    await expect(probeImage(f('png'), { maxPixels: MAX_PIXELS })).resolves.toEqual({
      format: 'png',
      width: 400,
      height: 300,
      animated: false,
      frames: 1,
      hasMetadata: false,
    });
    await expect(probeImage(f('rotated.jpg'), { maxPixels: MAX_PIXELS })).resolves.toMatchObject({
      format: 'jpeg',
      width: 48,
      height: 64,
    });
    await expect(probeImage(f('gps.jpg'), { maxPixels: MAX_PIXELS })).resolves.toMatchObject({
      hasMetadata: true,
    });
    await expect(probeImage(f('meta.png'), { maxPixels: MAX_PIXELS })).resolves.toMatchObject({
      hasMetadata: true,
    });
  });

  it('recognises animated GIF, WebP and APNG', async () => {
    for (const [name, format, frames] of [
      ['anim.gif', 'gif', 3],
      ['anim.webp', 'webp', 3],
      ['anim.png', 'png', 2],
    ] as const) {
      await expect(probeImage(f(name), { maxPixels: MAX_PIXELS })).resolves.toMatchObject({
        format,
        animated: true,
        frames,
      });
    }
  });

  it('refuses a decompression bomb from its header: a few KB claiming 10000×10000 pixels', async () => {
    expect((await stat(f('bomb.png'))).size).toBeLessThan(4096);
    // The claim is within sharp's own default limit (268 MP): only maxPixels stops it.
    expect(await refusal(probeImage(f('bomb.png'), { maxPixels: MAX_PIXELS }))).toEqual({
      code: 'VALIDATION',
      field: 'file',
      message: 'The image is 10000×10000 pixels, more than the limit of 40000000 pixels.',
    });
    await expect(probeImage(f('png'), { maxPixels: 400 * 300 })).resolves.toMatchObject({ width: 400 });
    expect(await refusal(probeImage(f('png'), { maxPixels: 400 * 300 - 1 }))).toMatchObject({
      field: 'file',
    });
  });

  it('refuses a file that is not an image; a missing file is not the user’s error', async () => {
    expect(await refusal(probeImage(f('text.png'), { maxPixels: MAX_PIXELS }))).toMatchObject({
      code: 'VALIDATION',
      field: 'file',
    });
    const missing = probeImage(join(dir, 'missing.png'), { maxPixels: MAX_PIXELS });
    await expect(missing).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('processImage', () => {
  it('renders WebP previews that fit inside each size, never enlarged, and a blurhash', async () => {
    const result = await processImage(f('jpeg'), { maxPixels: MAX_PIXELS, previewSizes: [64, 256, 1024] });
    expect(result).toMatchObject({ width: 400, height: 300, animated: false });
    expect(
      result.previews.map(({ size, width, height, contentType }) => ({ size, width, height, contentType })),
    ).toEqual([
      { size: 64, width: 64, height: 48, contentType: 'image/webp' },
      { size: 256, width: 256, height: 192, contentType: 'image/webp' },
      { size: 1024, width: 400, height: 300, contentType: 'image/webp' },
    ]);
    for (const preview of result.previews) {
      const meta = await sharp(preview.bytes).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({
        format: 'webp',
        width: preview.width,
        height: preview.height,
      });
    }
    expect(isBlurhashValid(result.blurhash)).toEqual({ result: true });
    // 4×3 components: the size flag, the maximum AC, the DC (4 chars) and 11 ACs of 2 chars.
    expect(result.blurhash).toHaveLength(28);
  });

  it('strips the metadata from previews: an input with EXIF GPS yields previews without EXIF', async () => {
    const input = await sharp(f('gps.jpg')).metadata();
    expect(exifHasGps(input.exif!)).toBe(true);
    const { previews } = await processImage(f('gps.jpg'), { maxPixels: MAX_PIXELS, previewSizes: [32, 128] });
    for (const preview of previews) {
      const meta = await sharp(preview.bytes).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
    }
  });

  it('applies the EXIF orientation', async () => {
    const result = await processImage(f('rotated.jpg'), { maxPixels: MAX_PIXELS, previewSizes: [32, 256] });
    expect(result).toMatchObject({ width: 48, height: 64 });
    expect(result.previews.map((p) => [p.width, p.height])).toEqual([
      [24, 32],
      [48, 64],
    ]);
    const meta = await sharp(result.previews[1]!.bytes).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([48, 64, undefined]);
  });

  it('keeps an animation in the previews when asked', async () => {
    for (const name of ['anim.gif', 'anim.webp']) {
      const result = await processImage(f(name), {
        maxPixels: MAX_PIXELS,
        previewSizes: [60],
        animated: true,
      });
      expect(result).toMatchObject({ width: 120, height: 90, animated: true });
      expect(result.previews[0]).toMatchObject({ width: 60, height: 45 });
      const meta = await sharp(result.previews[0]!.bytes).metadata();
      // Without `pages`, sharp describes one frame.
      expect({ format: meta.format, pages: meta.pages, width: meta.width, height: meta.height }).toEqual({
        format: 'webp',
        pages: 3,
        width: 60,
        height: 45,
      });
    }
  });

  it('renders the first frame when animation is not asked for, or all frames exceed maxPixels', async () => {
    const still = await processImage(f('anim.gif'), { maxPixels: MAX_PIXELS, previewSizes: [60] });
    // One frame fits the limit; three do not.
    const tooMany = await processImage(f('anim.gif'), {
      maxPixels: 120 * 90 * 2,
      previewSizes: [60],
      animated: true,
    });
    for (const result of [still, tooMany]) {
      expect(result.animated).toBe(false);
      const meta = await sharp(result.previews[0]!.bytes).metadata();
      expect([meta.width, meta.height, meta.pages ?? 1]).toEqual([60, 45, 1]);
    }
  });

  it('refuses a truncated PNG or JPEG, which sharp would otherwise decode with a warning', async () => {
    for (const name of ['truncated.png', 'truncated.jpg', 'no-eoi.jpg']) {
      // The header is intact: probing accepts it; decoding it all is what finds the cut.
      await expect(probeImage(f(name), { maxPixels: MAX_PIXELS })).resolves.toMatchObject({ width: 400 });
      expect(await refusal(processImage(f(name), { maxPixels: MAX_PIXELS, previewSizes: [64] }))).toEqual({
        code: 'VALIDATION',
        field: 'file',
        message: 'The file is not a readable image, or it is damaged or truncated.',
      });
      // Refused even without previews: the blurhash decode checks too.
      expect(await refusal(processImage(f(name), { maxPixels: MAX_PIXELS, previewSizes: [] }))).toMatchObject(
        {
          field: 'file',
        },
      );
      // The check is not a given: with failOn 'none' sharp renders the truncated file without complaint.
      await expect(sharp(f(name), { failOn: 'none' }).resize(64).webp().toBuffer()).resolves.toBeInstanceOf(
        Buffer,
      );
    }
  });

  it('refuses a decompression bomb before decoding it', async () => {
    expect(
      await refusal(processImage(f('bomb.png'), { maxPixels: MAX_PIXELS, previewSizes: [64] })),
    ).toMatchObject({
      code: 'VALIDATION',
      field: 'file',
      message: expect.stringContaining('10000×10000') as string,
    });
  });

  it('rejects invalid preview sizes as a programming error', async () => {
    await expect(processImage(f('png'), { maxPixels: MAX_PIXELS, previewSizes: [0] })).rejects.toBeInstanceOf(
      RangeError,
    );
  });
});

describe('stripImageMetadata', () => {
  it('re-encodes a JPEG without its EXIF, with the orientation applied', async () => {
    const out = join(dir, 'gps-stripped.jpg');
    await expect(stripImageMetadata(f('gps.jpg'), out)).resolves.toBe(true);
    const meta = await sharp(out).metadata();
    expect({ format: meta.format, exif: meta.exif, xmp: meta.xmp, iptc: meta.iptc }).toEqual({
      format: 'jpeg',
      exif: undefined,
      xmp: undefined,
      iptc: undefined,
    });

    const rotatedWithGps = join(dir, 'rotated-gps.jpg');
    await writeFile(
      rotatedWithGps,
      await noise(64, 48).jpeg().withExif(GPS_EXIF).withMetadata({ orientation: 6 }).toBuffer(),
    );
    const rotatedOut = join(dir, 'rotated-gps-stripped.jpg');
    await expect(stripImageMetadata(rotatedWithGps, rotatedOut)).resolves.toBe(true);
    const rotated = await sharp(rotatedOut).metadata();
    expect([rotated.width, rotated.height, rotated.orientation, rotated.exif]).toEqual([
      48,
      64,
      undefined,
      undefined,
    ]);
  });

  it('returns false and writes nothing when there is nothing to strip', async () => {
    const out = join(dir, 'plain-stripped.png');
    await expect(stripImageMetadata(f('png'), out)).resolves.toBe(false);
    expect(await exists(out)).toBe(false);
  });

  it('copies a PNG without its metadata chunks, pixels untouched', async () => {
    expect(pngChunkTypes(await readFile(f('meta.png')))).toEqual(expect.arrayContaining(['eXIf', 'zTXt']));
    const out = join(dir, 'meta-stripped.png');
    await expect(stripImageMetadata(f('meta.png'), out)).resolves.toBe(true);
    const types = pngChunkTypes(await readFile(out));
    expect(types).not.toContain('eXIf');
    expect(types).not.toContain('zTXt');
    expect(types.at(-1)).toBe('IEND');
    await expect(probeImage(out, { maxPixels: MAX_PIXELS })).resolves.toMatchObject({ hasMetadata: false });
    const [before, after] = await Promise.all([f('meta.png'), out].map((p) => sharp(p).raw().toBuffer()));
    expect(after!.equals(before!)).toBe(true);
  });

  it('keeps an animation: APNG and animated WebP', async () => {
    const apngOut = join(dir, 'anim-stripped.png');
    await expect(stripImageMetadata(f('anim-exif.png'), apngOut)).resolves.toBe(true);
    await expect(probeImage(apngOut, { maxPixels: MAX_PIXELS })).resolves.toEqual({
      format: 'png',
      width: 20,
      height: 10,
      animated: true,
      frames: 2,
      hasMetadata: false,
    });
    expect(pngChunkTypes(await readFile(apngOut))).toEqual([
      'IHDR',
      'acTL',
      'fcTL',
      'IDAT',
      'fcTL',
      'fdAT',
      'IEND',
    ]);

    const webpOut = join(dir, 'anim-stripped.webp');
    expect((await sharp(f('anim-exif.webp')).metadata()).exif).toBeDefined();
    await expect(stripImageMetadata(f('anim-exif.webp'), webpOut)).resolves.toBe(true);
    const meta = await sharp(webpOut).metadata();
    expect({ format: meta.format, pages: meta.pages, exif: meta.exif }).toEqual({
      format: 'webp',
      pages: 3,
      exif: undefined,
    });
  });

  it('refuses a truncated image', async () => {
    const truncated = join(dir, 'gps-truncated.jpg');
    const whole = await noise(200, 150).jpeg().withExif(GPS_EXIF).toBuffer();
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    expect(await refusal(stripImageMetadata(truncated, join(dir, 'never.jpg')))).toMatchObject({
      code: 'VALIDATION',
      field: 'file',
    });
  });
});
