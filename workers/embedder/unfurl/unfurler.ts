import { createHash } from 'node:crypto';

import type { KeyValueStore } from '@gochat/cache';
import {
  buildLinkEmbed,
  MAX_OEMBED_BYTES,
  normaliseUrl,
  oembedEndpointFor,
  parseOembed,
  parsePageMetadata,
  type Embed,
  type OembedData,
} from '@gochat/embeds';
import type { Logger } from '@gochat/log';
import { SafeFetchError, type SafeFetcher, type SafeFetchErrorCode } from '@gochat/safe-fetch';

import { DEFAULT_MAX_PIXELS, probeShownImage, withTempFile, type ImageProxy } from './image-proxy.ts';

export interface UnfurlSettings {
  /** How long an embed is reused for its URL. Default 6 h. */
  positiveTtlMs?: number;
  /** How long "nothing to show" (a failed fetch, a page without metadata) is remembered. Default 30 min. */
  negativeTtlMs?: number;
  /** Links matching any of these (tested against the normalised URL) are never fetched. */
  excludedUrlPatterns?: RegExp[];
  /** The part of an HTML page that is parsed. Default 1 MiB. */
  htmlMaxBytes?: number;
  /** Body cap of direct media links and of embed images. Default 8 MiB. */
  mediaMaxBytes?: number;
  /** Width × height above which a direct image is refused from its header. Default 40 MP. */
  maxPixels?: number;
  /** YouTube's oEmbed endpoint (default https://www.youtube.com/oembed); tests point it at loopback. */
  youtubeOembedEndpoint?: string;
  /** The base of YouTube player URLs (default https://www.youtube.com/embed/). */
  youtubeEmbedBase?: string;
}

export const UNFURL_DEFAULTS = {
  positiveTtlMs: 6 * 60 * 60 * 1000,
  negativeTtlMs: 30 * 60 * 1000,
  htmlMaxBytes: 1024 * 1024,
  mediaMaxBytes: 8 * 1024 * 1024,
  maxPixels: DEFAULT_MAX_PIXELS,
} as const;

export interface UnfurlerDeps {
  fetcher: SafeFetcher;
  cache: KeyValueStore;
  /** Where embed images are copied to; null (no blob store): embeds carry no image at all. */
  images: ImageProxy | null;
  log: Logger;
  settings?: UnfurlSettings;
}

export interface Unfurler {
  /**
   * The embed of one link, or null when there is none (excluded, not http(s), fetch refused or
   * failed, nothing worth showing). Never throws because of what a remote server sends; throws when
   * `signal` aborts, when the fetcher's own signal aborts (ABORTED), and on failures of our own
   * infrastructure (the blob store), for the caller to retry.
   */
  unfurl(url: string, signal?: AbortSignal): Promise<Embed | null>;
}

/** What is cached per normalised URL. */
export type UnfurlOutcome = { embed: Embed } | { none: true; reason: string };

export const CACHE_KEY_PREFIX = 'embeds:v1:';

export function unfurlCacheKey(normalisedUrl: string): string {
  return CACHE_KEY_PREFIX + createHash('sha256').update(normalisedUrl).digest('hex');
}

const PAGE_TYPES = ['text/html', 'application/xhtml+xml'];
const LINK_ACCEPT_TYPES = [...PAGE_TYPES, 'image/', 'video/', 'audio/'];
const OEMBED_TYPES = ['application/json', 'application/json+oembed', 'text/json'];
/** Refusals of the SSRF guard and URL checks: someone may be probing the private network. */
const REFUSALS = new Set<SafeFetchErrorCode>(['BLOCKED_ADDRESS', 'BAD_SCHEME', 'BAD_URL', 'BAD_PORT']);

interface Flight {
  promise: Promise<Embed | null>;
  controller: AbortController;
  waiters: number;
}

interface Fetched {
  bytes: Buffer;
  contentType: string;
}

/** A failure of the remote side, worth remembering (not an abort of ours). */
function isRemoteFailure(error: unknown): error is SafeFetchError {
  return error instanceof SafeFetchError && error.code !== 'ABORTED';
}

function mediaTypeOf(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

function isOutcome(value: unknown): value is UnfurlOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (record.none === true) return typeof record.reason === 'string';
  const embed = record.embed as Record<string, unknown> | null | undefined;
  return typeof embed === 'object' && embed !== null && typeof embed.type === 'string';
}

export function createUnfurler(deps: UnfurlerDeps): Unfurler {
  const { fetcher, cache, images, log } = deps;
  const settings = { ...UNFURL_DEFAULTS, ...definedOnly(deps.settings ?? {}) };
  const excluded = settings.excludedUrlPatterns ?? [];
  const mainCap = Math.max(settings.htmlMaxBytes, settings.mediaMaxBytes);
  const inFlight = new Map<string, Flight>();

  async function unfurl(url: string, signal?: AbortSignal): Promise<Embed | null> {
    signal?.throwIfAborted();
    const normalised = normaliseUrl(url);
    if (normalised === null) {
      log.debug({ url: url.slice(0, 200) }, 'unfurl: not an http(s) URL');
      return null;
    }
    // String#search ignores (and keeps) a pattern's lastIndex: a /g pattern gives the same answer every time.
    if (excluded.some((pattern) => normalised.search(pattern) !== -1)) {
      log.debug({ url: normalised }, 'unfurl: excluded URL');
      return null;
    }
    const key = unfurlCacheKey(normalised);
    let flight = inFlight.get(key);
    if (flight === undefined) {
      const controller = new AbortController();
      const created: Flight = {
        controller,
        waiters: 0,
        promise: resolve(normalised, key, controller.signal).finally(() => {
          if (inFlight.get(key) === created) inFlight.delete(key);
        }),
      };
      // Every waiter handles the result; this only keeps a flight all waiters left from going unhandled.
      created.promise.catch(() => {});
      inFlight.set(key, created);
      flight = created;
    }
    return join(key, flight, signal);
  }

  /**
   * Waits for a shared flight. A waiter that aborts leaves at once; the flight itself is aborted only
   * when every waiter has left, so one caller giving up never fails the others.
   */
  function join(key: string, flight: Flight, signal: AbortSignal | undefined): Promise<Embed | null> {
    flight.waiters++;
    return new Promise<Embed | null>((resolvePromise, reject) => {
      let done = false;
      const leave = (aborted: boolean) => {
        if (done) return false;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        flight.waiters--;
        if (aborted && flight.waiters === 0) {
          if (inFlight.get(key) === flight) inFlight.delete(key);
          flight.controller.abort(signal?.reason);
        }
        return true;
      };
      const onAbort = () => {
        if (leave(true)) reject(asError(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (embed) => {
          if (leave(false)) resolvePromise(embed);
        },
        (error: unknown) => {
          if (leave(false)) reject(asError(error));
        },
      );
    });
  }

  async function resolve(normalised: string, key: string, signal: AbortSignal): Promise<Embed | null> {
    const cached = await readCache(key);
    if (cached !== undefined) {
      log.debug({ url: normalised, hit: 'embed' in cached ? 'positive' : 'negative' }, 'unfurl: cached');
      return 'embed' in cached ? cached.embed : null;
    }
    const outcome = await unfurlFresh(normalised, signal);
    await writeCache(key, outcome);
    if ('none' in outcome) log.debug({ url: normalised, reason: outcome.reason }, 'unfurl: no embed');
    return 'embed' in outcome ? outcome.embed : null;
  }

  async function readCache(key: string): Promise<UnfurlOutcome | undefined> {
    let raw: string | null;
    try {
      raw = await cache.get(key);
    } catch (error) {
      // The cache saves work; without it the link is still unfurled.
      log.warn({ err: error, key }, 'unfurl: cache read failed');
      return undefined;
    }
    if (raw === null) return undefined;
    try {
      const value: unknown = JSON.parse(raw);
      if (isOutcome(value)) return value;
    } catch {
      // A malformed entry is a miss; the fresh result overwrites it.
    }
    return undefined;
  }

  async function writeCache(key: string, outcome: UnfurlOutcome): Promise<void> {
    const ttlMs = 'embed' in outcome ? settings.positiveTtlMs : settings.negativeTtlMs;
    try {
      await cache.set(key, JSON.stringify(outcome), { ttlMs });
    } catch (error) {
      log.warn({ err: error, key }, 'unfurl: cache write failed');
    }
  }

  /** Logs a fetch that failed: refusals at warn (an SSRF attempt is worth seeing), the rest at info. */
  function report(error: SafeFetchError, link: string, stage: 'page' | 'oembed' | 'image') {
    const fields = {
      link,
      stage,
      code: error.code,
      url: error.url,
      ...(error.address !== undefined ? { address: error.address } : {}),
      ...(error.status !== undefined ? { status: error.status } : {}),
    };
    if (REFUSALS.has(error.code)) log.warn(fields, `unfurl: refused to fetch (${error.message})`);
    else log.info(fields, `unfurl: fetch failed (${error.message})`);
  }

  async function unfurlFresh(link: string, signal: AbortSignal): Promise<UnfurlOutcome> {
    const youtubeEmbedBase = settings.youtubeEmbedBase;
    try {
      const endpoint = oembedEndpointFor(link, { youtubeOembedEndpoint: settings.youtubeOembedEndpoint });
      if (endpoint !== null) {
        // A known provider: its oEmbed answer is the preview; its page is the fallback.
        const oembed = await fetchOembed(endpoint, link, signal);
        const embed = oembed && buildLinkEmbed({ url: link, oembed, youtubeEmbedBase });
        if (embed) return await withOwnImages(embed, link, new Map(), signal);
      }

      const response = await fetcher.fetch(link, {
        acceptTypes: LINK_ACCEPT_TYPES,
        maxBodyBytes: mainCap,
        signal,
      });
      const type = mediaTypeOf(response.contentType);
      if (PAGE_TYPES.includes(type)) {
        const html = response.body.subarray(0, settings.htmlMaxBytes);
        const metadata = parsePageMetadata(html, response.url, response.contentType);
        const oembed = metadata.oembedUrl ? await fetchOembed(metadata.oembedUrl, link, signal) : null;
        const embed = buildLinkEmbed({ url: link, metadata, oembed, youtubeEmbedBase });
        if (!embed) return { none: true, reason: 'NO_METADATA' };
        return await withOwnImages(embed, link, new Map(), signal);
      }
      if (type.startsWith('image/')) {
        const info =
          type === 'image/svg+xml'
            ? null
            : await withTempFile(response.body, (file) => probeShownImage(file, settings.maxPixels));
        if (info === null) return { none: true, reason: 'BAD_IMAGE' };
        const embed = buildLinkEmbed({
          url: link,
          media: { contentType: type, width: info.width, height: info.height },
        });
        if (!embed) return { none: true, reason: 'BAD_IMAGE' };
        // The picture is the link itself: its bytes are in hand, not fetched again.
        const fetched = new Map([[link, { bytes: response.body, contentType: response.contentType }]]);
        return await withOwnImages(embed, link, fetched, signal);
      }
      const embed = buildLinkEmbed({ url: link, media: { contentType: type } });
      return embed ? { embed } : { none: true, reason: 'UNSUPPORTED_TYPE' };
    } catch (error) {
      if (!isRemoteFailure(error)) throw error;
      report(error, link, 'page');
      return { none: true, reason: error.code };
    }
  }

  async function fetchOembed(
    endpoint: string,
    link: string,
    signal: AbortSignal,
  ): Promise<OembedData | null> {
    try {
      const response = await fetcher.fetch(endpoint, {
        acceptTypes: OEMBED_TYPES,
        maxBodyBytes: MAX_OEMBED_BYTES,
        signal,
      });
      const oembed = parseOembed(response.body);
      if (oembed === null) log.info({ link, url: endpoint }, 'unfurl: invalid oEmbed response ignored');
      return oembed;
    } catch (error) {
      if (!isRemoteFailure(error)) throw error;
      report(error, link, 'oembed');
      return null;
    }
  }

  /**
   * Replaces every picture of the embed with our copy, or drops it: readers never load a third-party
   * host. An image embed that lost its image, or an embed left with nothing to show, is no embed.
   */
  async function withOwnImages(
    built: Embed,
    link: string,
    fetched: Map<string, Fetched>,
    signal: AbortSignal,
  ): Promise<UnfurlOutcome> {
    const embed: Embed = { ...built };
    // Icons would be loaded from their hosts too; link previews have none, but never keep one.
    if (embed.author) embed.author = withoutIcon(embed.author);
    if (embed.footer) embed.footer = withoutIcon(embed.footer);

    const copies = new Map<string, Promise<Embed['image'] | null>>();
    for (const slot of ['image', 'thumbnail'] as const) {
      const source = embed[slot];
      if (source === undefined) continue;
      let copy = copies.get(source.url);
      if (copy === undefined) {
        copy = images === null ? Promise.resolve(null) : ownCopy(source.url, link, fetched, signal, images);
        copies.set(source.url, copy);
      }
      const media = await copy;
      if (media) embed[slot] = media;
      else delete embed[slot];
    }

    if (embed.type === 'image' && embed.image === undefined) return { none: true, reason: 'NO_IMAGE' };
    const shows =
      embed.title || embed.description || embed.image || embed.thumbnail || embed.video || embed.audio;
    return shows ? { embed } : { none: true, reason: 'NO_CONTENT' };
  }

  async function ownCopy(
    source: string,
    link: string,
    fetched: Map<string, Fetched>,
    signal: AbortSignal,
    proxy: ImageProxy,
  ): Promise<Embed['image'] | null> {
    let image = fetched.get(source);
    if (image === undefined) {
      try {
        const response = await fetcher.fetch(source, {
          acceptTypes: ['image/'],
          maxBodyBytes: settings.mediaMaxBytes,
          signal,
        });
        image = { bytes: response.body, contentType: response.contentType };
      } catch (error) {
        if (!isRemoteFailure(error)) throw error;
        report(error, link, 'image');
        return null;
      }
    }
    const copy = await proxy.store(source, image.bytes, image.contentType);
    if (copy === null) log.info({ link, url: source }, 'unfurl: embed image dropped (not a usable image)');
    return copy;
  }

  return { unfurl };
}

/** Rejections carry Errors; an abort reason or a throw that is not one is wrapped. */
function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value), { cause: value });
}

function withoutIcon<T extends { iconUrl?: string }>(value: T): T {
  const { iconUrl: _dropped, ...rest } = value;
  return rest as T;
}

/** Settings given as `undefined` keep their defaults. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
