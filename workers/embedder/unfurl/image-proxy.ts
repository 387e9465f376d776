import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BlobStore } from '@gochat/blob-store';
import type { EmbedMedia } from '@gochat/embeds';
import { isDomainError } from '@gochat/errors';
import type { Logger } from '@gochat/log';
import type { ImageInfo } from '@gochat/media-processing';
// Loaded with the first picture: sharp would otherwise weigh on every start (as in the media role).
const processing = () => import('@gochat/media-processing');

/**
 * An embed's picture as readers get it: our own copy, never the third-party original. The fields
 * beyond EmbedMedia are extra properties of the stored JSON (packages/embeds' type has no such fields).
 */
export interface ProxiedMedia extends EmbedMedia {
  proxied: true;
  /** The third-party URL the copy was made from. Never shown to readers' browsers as a source. */
  proxiedFrom: string;
  /** BlurHash of the picture, for a placeholder while it loads. */
  placeholder?: string;
}

/**
 * Keeps our copy of an embed's picture. `store` returns null when the bytes are not an image we show
 * (unreadable, a format we do not take, over the pixel limit: a decompression bomb); it throws only
 * when storing fails (the blob store is down), which the caller treats as a retryable failure.
 */
export interface ImageProxy {
  store(sourceUrl: string, bytes: Buffer, contentType: string): Promise<ProxiedMedia | null>;
}

export interface BlobImageProxyOptions {
  blobs: BlobStore;
  log: Logger;
  /** Width × height above which an image is refused from its header, before decoding. Default 40 MP. */
  maxPixels?: number;
  /** The stored copy fits inside this many pixels square (never enlarged). Default 1600. */
  maxDimension?: number;
}

export const DEFAULT_MAX_PIXELS = 40_000_000;
const DEFAULT_MAX_DIMENSION = 1600;
/** The key is derived from the source URL: a copy never changes under its URL. */
const CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** What sharp decodes that a browser shows. SVG (sharp renders it) is a document, not a picture. */
const SHOWN_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif']);

/** The blob key of the copy of `sourceUrl`: the same source always lands on the same key. */
export function proxiedImageKey(sourceUrl: string): string {
  return `embeds/${createHash('sha256').update(sourceUrl).digest('hex')}.webp`;
}

/** The media layer reads files: `bytes` live in a private temporary directory for the call. */
export async function withTempFile<T>(bytes: Buffer, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'gochat-unfurl-'));
  try {
    const file = join(dir, 'image');
    await writeFile(file, bytes);
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The image's header (no pixel decoded), or null when it is not an image we show. */
export async function probeShownImage(file: string, maxPixels: number): Promise<ImageInfo | null> {
  const { probeImage } = await processing();
  const info = await refusedAsNull(probeImage(file, { maxPixels }));
  return info !== null && SHOWN_FORMATS.has(info.format) ? info : null;
}

/** The media layer refuses bad files with a VALIDATION DomainError; anything else is a real failure. */
async function refusedAsNull<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (isDomainError(error) && error.code === 'VALIDATION') return null;
    throw error;
  }
}

/**
 * An ImageProxy on the blob store: the picture is checked from its header (pixel limit, format),
 * decoded once into a WebP copy without metadata and a BlurHash, and written under
 * `embeds/<sha256(source URL)>.webp` as a public object.
 */
export function createBlobImageProxy(options: BlobImageProxyOptions): ImageProxy {
  const { blobs, log } = options;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxDimension = options.maxDimension ?? DEFAULT_MAX_DIMENSION;

  async function store(sourceUrl: string, bytes: Buffer, contentType: string): Promise<ProxiedMedia | null> {
    const type = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
    if (!type.startsWith('image/') || type === 'image/svg+xml') {
      log.debug({ sourceUrl, contentType: type }, 'embed image refused: not a raster image type');
      return null;
    }
    return withTempFile(bytes, async (file) => {
      const info = await probeShownImage(file, maxPixels);
      if (info === null) {
        log.debug(
          { sourceUrl, bytes: bytes.length },
          'embed image refused: unreadable, unsupported or too many pixels',
        );
        return null;
      }
      const { processImage } = await processing();
      const processed = await refusedAsNull(
        processImage(file, { maxPixels, previewSizes: [maxDimension], animated: true }),
      );
      const copy = processed?.previews[0];
      if (!processed || !copy) {
        log.debug({ sourceUrl, format: info.format }, 'embed image refused: it does not decode');
        return null;
      }
      const key = proxiedImageKey(sourceUrl);
      await blobs.write(key, copy.bytes, { contentType: copy.contentType, cacheControl: CACHE_CONTROL });
      const media: ProxiedMedia = {
        url: blobs.publicUrl(key),
        width: copy.width,
        height: copy.height,
        contentType: copy.contentType,
        proxied: true,
        proxiedFrom: sourceUrl,
      };
      if (processed.blurhash) media.placeholder = processed.blurhash;
      return media;
    });
  }

  return { store };
}
