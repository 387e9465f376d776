import { stat } from 'node:fs/promises';

import { validation } from '@gochat/errors';
import { encode } from 'blurhash';
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';

// Every upload is decoded once: libvips' operation cache (50 MB by default) would only keep memory.
sharp.cache(false);

import { copyPngWithoutMetadata, pngAnimationFrames } from './png.ts';

export interface ImageInfo {
  /** sharp's name for the decoder: jpeg, png, webp, gif, heif, tiff… */
  format: string;
  /** Displayed size: EXIF orientation applied (a portrait phone photo is taller than wide). */
  width: number;
  height: number;
  /** An animated GIF or WebP (more than one frame), or an APNG. */
  animated: boolean;
  /** Frames of the animation; 1 for a still image. */
  frames: number;
  /** Whether the file carries EXIF, XMP or IPTC metadata (camera, location, author…). */
  hasMetadata: boolean;
}

export interface ImagePreview {
  /** The requested bound: the preview fits inside size×size. */
  size: number;
  width: number;
  height: number;
  contentType: 'image/webp';
  bytes: Buffer;
}

export interface ProcessedImage {
  width: number;
  height: number;
  /** Whether the previews are animated (an animated input, with `animated` asked for and decodable). */
  animated: boolean;
  blurhash: string;
  previews: ImagePreview[];
}

/**
 * How strict decoding is. 'error' refuses truncated files and decoder errors; the stricter 'warning'
 * (sharp's default) would also refuse the many camera JPEGs that decode fine with a warning.
 */
const FAIL_ON = 'error' as const;
const BLURHASH_SIZE = 32;
const PREVIEW_QUALITY = 80;

/** Formats whose frames sharp decodes as an animation (sharp reads only an APNG's default image). */
const ANIMATED_FORMATS = new Set(['gif', 'webp']);

function tooLarge(width: number, height: number, maxPixels: number) {
  return validation(
    `The image is ${width}×${height} pixels, more than the limit of ${maxPixels} pixels.`,
    'file',
  );
}

function unreadable() {
  return validation('The file is not a readable image, or it is damaged or truncated.', 'file');
}

/** sharp failed while decoding a file whose header it read: the file is at fault. */
function decodeFailure(error: unknown, maxPixels?: number, width?: number, height?: number) {
  if (error instanceof Error && /pixel limit/i.test(error.message) && maxPixels !== undefined) {
    return tooLarge(width ?? 0, height ?? 0, maxPixels);
  }
  return unreadable();
}

/** The header, parsed without decoding pixels. A missing file is an internal error, not the user's. */
async function readMetadata(file: string): Promise<Metadata> {
  await stat(file);
  try {
    return await sharp(file).metadata();
  } catch {
    throw unreadable();
  }
}

function carriesMetadata(meta: Metadata): boolean {
  if (meta.exif || meta.xmp || meta.iptc) return true;
  // PNG tools store EXIF, IPTC and XMP as "Raw profile type exif" (and so on) text chunks.
  return (meta.comments ?? []).some((c) => /^raw profile type/i.test(c.keyword));
}

async function infoFrom(file: string, meta: Metadata): Promise<ImageInfo> {
  let frames = 1;
  if (ANIMATED_FORMATS.has(meta.format) && (meta.pages ?? 1) > 1) frames = meta.pages ?? 1;
  if (meta.format === 'png') frames = Math.max(1, (await pngAnimationFrames(file)) ?? 1);
  return {
    format: meta.format,
    width: meta.autoOrient.width,
    height: meta.autoOrient.height,
    animated: frames > 1,
    frames,
    hasMetadata: carriesMetadata(meta),
  };
}

/**
 * Reads an image's header (no pixel is decoded). Refuses (VALIDATION, field `file`) a file sharp
 * cannot read, and one whose width×height exceeds `maxPixels`: a decompression bomb (a few KB that
 * decode to gigabytes) is refused here, before anything decodes it.
 */
export async function probeImage(file: string, limits: { maxPixels: number }): Promise<ImageInfo> {
  const meta = await readMetadata(file);
  if (meta.width * meta.height > limits.maxPixels) throw tooLarge(meta.width, meta.height, limits.maxPixels);
  return infoFrom(file, meta);
}

function checkSizes(previewSizes: readonly number[]) {
  for (const size of previewSizes) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Invalid preview size ${size}.`);
  }
}

async function blurhashOf(input: Sharp): Promise<string> {
  const { data, info } = await input
    .resize(BLURHASH_SIZE, BLURHASH_SIZE, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return encode(
    new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
    info.width,
    info.height,
    4,
    3,
  );
}

/**
 * Decodes the whole image and renders WebP previews (each fits inside size×size, never enlarged,
 * EXIF orientation applied, no metadata) and a blurhash. Refuses (VALIDATION, field `file`) what
 * probeImage refuses, and a file that fails to decode, truncated ones included. An animated GIF or
 * WebP keeps its animation in the previews when `animated` is set, if all its frames together stay
 * within `maxPixels`; otherwise the previews show the first frame.
 */
export async function processImage(
  file: string,
  o: { maxPixels: number; previewSizes: readonly number[]; animated?: boolean },
): Promise<ProcessedImage> {
  checkSizes(o.previewSizes);
  const meta = await readMetadata(file);
  if (meta.width * meta.height > o.maxPixels) throw tooLarge(meta.width, meta.height, o.maxPixels);
  const info = await infoFrom(file, meta);
  const animated =
    (o.animated ?? false) &&
    info.animated &&
    ANIMATED_FORMATS.has(info.format) &&
    meta.width * meta.height * info.frames <= o.maxPixels;

  const options: SharpOptions = { failOn: FAIL_ON, limitInputPixels: o.maxPixels, autoOrient: true };
  try {
    const previews: ImagePreview[] = [];
    for (const size of o.previewSizes) {
      const { data, info: out } = await sharp(file, animated ? { ...options, pages: -1 } : options)
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: PREVIEW_QUALITY })
        .toBuffer({ resolveWithObject: true });
      previews.push({
        size,
        width: out.width,
        height: out.pageHeight ?? out.height,
        contentType: 'image/webp',
        bytes: data,
      });
    }
    // Decodes the file once more (previews may be none): this is also the truncation check.
    const blurhash = await blurhashOf(sharp(file, options));
    return { width: info.width, height: info.height, animated, blurhash, previews };
  } catch (error) {
    throw decodeFailure(error, o.maxPixels, meta.width, meta.height);
  }
}

/**
 * Writes a copy of the image without its EXIF, XMP and IPTC metadata to `out` and returns true; returns
 * false (and writes nothing) when there is none, and the original can be served as it is. A PNG is
 * copied chunk by chunk without its metadata chunks (lossless, APNG animation kept) unless its EXIF
 * orientation must be applied; other formats are re-encoded in the same format at high quality, with
 * the orientation applied, the colour profile and an animation kept. Refuses (VALIDATION, field
 * `file`) an image that fails to decode. Meant for files processImage has accepted.
 */
export async function stripImageMetadata(file: string, out: string): Promise<boolean> {
  const meta = await readMetadata(file);
  if (!carriesMetadata(meta)) return false;
  const rotated = (meta.orientation ?? 1) !== 1;
  if (meta.format === 'png' && (!rotated || (await pngAnimationFrames(file)) !== null)) {
    await copyPngWithoutMetadata(file, out);
    return true;
  }
  const animated = ANIMATED_FORMATS.has(meta.format) && (meta.pages ?? 1) > 1;
  const input = sharp(file, { failOn: FAIL_ON, autoOrient: true, ...(animated ? { pages: -1 } : {}) });
  const encoder = encoderFor(meta, input.keepIccProfile());
  try {
    await encoder.toFile(out);
  } catch (error) {
    throw decodeFailure(error);
  }
  return true;
}

const ENCODERS: Partial<Record<string, (input: Sharp, meta: Metadata) => Sharp | undefined>> = {
  jpeg: (input, meta) =>
    input.jpeg({
      quality: 95,
      chromaSubsampling: meta.chromaSubsampling?.startsWith('4:4:4') ? '4:4:4' : '4:2:0',
    }),
  png: (input, meta) => input.png({ palette: meta.isPalette }),
  webp: (input) => input.webp({ quality: 95 }),
  gif: (input) => input.gif(),
  tiff: (input) => input.tiff({ compression: 'lzw' }),
  // sharp's HEIF support is AVIF (AV1) only.
  heif: (input, meta) => (meta.compression === 'av1' ? input.avif({ quality: 90 }) : undefined),
};

/** The encoder for the image's own format (high quality; no metadata unless asked for). */
function encoderFor(meta: Metadata, input: Sharp): Sharp {
  const encoder = ENCODERS[meta.format]?.(input, meta);
  if (!encoder) throw new Error(`Cannot re-encode ${meta.format} images to strip their metadata.`);
  return encoder;
}
