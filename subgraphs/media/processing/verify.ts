import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { BlobStore } from '@gochat/blob-store';
import { validation } from '@gochat/errors';
import type { Logger } from '@gochat/log';
// Loaded on the first file processed: sharp and file-type weigh on every start otherwise.
const processing = () => import('@gochat/media-processing');
import {
  PUBLIC_KINDS,
  VARIANT_SIZES,
  cleanedKey,
  originalKey,
  previewKey,
  publicVariantKey,
  type ProcessedFacts,
  type UploadKind,
  type UploadRow,
} from '@gochat/uploads';

export interface VerifyDeps {
  blob: BlobStore;
  log: Logger;
  maxPixels: number;
}

/** Formats sharp decodes that public kinds (avatars, icons, banners, emoji) may be. */
const PUBLIC_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);

let warnedNoFfmpeg = false;

/**
 * Checks the uploaded bytes against what was declared and makes what is served from them: the
 * verified type, dimensions, duration, placeholder and previews (or public variants). Throws a
 * VALIDATION DomainError for a file to refuse; the caller deletes its objects then.
 * Works on a local copy (S3 objects are streamed to a temporary file), never on a whole file in memory.
 */
export async function verifyAndProcess(deps: VerifyDeps, row: UploadRow): Promise<ProcessedFacts> {
  const kind = row.kind as UploadKind;
  const stored = await deps.blob.head(originalKey(row.id));
  if (!stored) throw validation('file: nothing was uploaded yet; PUT the bytes first', 'file');
  if (stored.size !== row.size)
    throw validation(`size: ${stored.size} bytes arrived but ${row.size} were declared`, 'size');
  const { sniff } = await processing();
  const copy = await deps.blob.localCopy(originalKey(row.id));
  try {
    const sniffed = await sniff(copy.path, { contentType: row.declaredType, filename: row.filename });
    const facts: ProcessedFacts = {
      contentType: sniffed.contentType,
      disposition: sniffed.disposition,
      width: null,
      height: null,
      durationSeconds: null,
      animated: false,
      blurhash: null,
      previews: [],
      cleaned: false,
    };
    if (PUBLIC_KINDS.has(kind) && !(sniffed.kind === 'image' && PUBLIC_IMAGE_TYPES.has(sniffed.contentType)))
      throw validation('file: must be a PNG, JPEG, GIF, WebP or AVIF image', 'file');
    if (sniffed.kind === 'image')
      return { ...facts, ...(await images(deps, row, kind, copy.path, sniffed.contentType)) };
    if (sniffed.kind === 'video' || sniffed.kind === 'audio')
      return { ...facts, ...(await audioVideo(deps, row, copy.path)) };
    return facts;
  } finally {
    await copy.release();
  }
}

async function images(deps: VerifyDeps, row: UploadRow, kind: UploadKind, file: string, contentType: string) {
  const { probeImage, processImage } = await processing();
  const info = await probeImage(file, { maxPixels: deps.maxPixels });
  const image = await processImage(file, {
    maxPixels: deps.maxPixels,
    previewSizes: VARIANT_SIZES[kind],
    animated: info.animated,
  });
  const isPublic = PUBLIC_KINDS.has(kind);
  await Promise.all(
    image.previews.map((p) =>
      deps.blob.write(isPublic ? publicVariantKey(row.id, p.size) : previewKey(row.id, p.size), p.bytes, {
        contentType: p.contentType,
      }),
    ),
  );
  // Attachments are downloadable as files: serve a copy without EXIF/XMP (GPS) when there was any.
  const cleaned = !isPublic && info.hasMetadata ? await writeCleaned(deps, row, file, contentType) : false;
  return {
    width: image.width,
    height: image.height,
    animated: image.animated,
    blurhash: image.blurhash,
    previews: image.previews.map(({ size, width, height }) => ({ size, width, height })),
    cleaned,
  };
}

async function writeCleaned(
  deps: VerifyDeps,
  row: UploadRow,
  file: string,
  contentType: string,
): Promise<boolean> {
  const { stripImageMetadata } = await processing();
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gochat-clean-'));
  try {
    const out = path.join(dir, 'cleaned');
    if (!(await stripImageMetadata(file, out))) return false;
    await deps.blob.write(cleanedKey(row.id), fs.createReadStream(out), { contentType });
    return true;
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

async function audioVideo(deps: VerifyDeps, row: UploadRow, file: string) {
  const { ffmpegAvailable, posterFrame, probeAv, processImage } = await processing();
  if (!(await ffmpegAvailable())) {
    if (!warnedNoFfmpeg) {
      warnedNoFfmpeg = true;
      deps.log.warn('media: ffprobe/ffmpeg not found; audio and video are stored without duration or poster');
    }
    return {};
  }
  const av = await probeAv(file);
  if (!av.hasVideo || av.width === null || av.height === null) return { durationSeconds: av.durationSeconds };
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gochat-poster-'));
  try {
    const poster = path.join(dir, 'poster.png');
    const at = av.durationSeconds ? Math.min(1, av.durationSeconds / 2) : 0;
    await fs.promises.writeFile(poster, await posterFrame(file, { atSeconds: at }));
    const image = await processImage(poster, {
      maxPixels: deps.maxPixels,
      previewSizes: VARIANT_SIZES.attachment,
    });
    await Promise.all(
      image.previews.map((p) =>
        deps.blob.write(previewKey(row.id, p.size), p.bytes, { contentType: p.contentType }),
      ),
    );
    return {
      durationSeconds: av.durationSeconds,
      width: av.width,
      height: av.height,
      blurhash: image.blurhash,
      previews: image.previews.map(({ size, width, height }) => ({ size, width, height })),
    };
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
