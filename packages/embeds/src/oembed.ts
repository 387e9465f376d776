import { z } from 'zod';

import { parseDimension } from './dimension.ts';
import { MAX_OEMBED_BYTES, PAGE_LIMITS } from './limits.ts';
import { normaliseUrl, parseHttpUrl } from './normalise-url.ts';
import { singleLine, truncate } from './text.ts';
import type { OembedData } from './types.ts';
import { youtubeWatchUrl } from './youtube.ts';

export interface OembedOptions {
  /** The Go original's `youtube_oembed_endpoint`: a test server or a proxy in front of YouTube. */
  youtubeOembedEndpoint?: string;
}

interface Provider {
  /** The URL to ask the provider about, or null when `url` is not one of its pages. */
  target(url: URL): string | null;
  endpoint(options: OembedOptions): string;
  /** Extra query parameters the provider wants. */
  query?: Record<string, string>;
}

const VIMEO_HOSTS = new Set(['vimeo.com', 'www.vimeo.com', 'player.vimeo.com']);
const SOUNDCLOUD_HOSTS = new Set(['soundcloud.com', 'www.soundcloud.com', 'm.soundcloud.com']);
/** SoundCloud's first path segments that are sections of the site, not user names. */
const SOUNDCLOUD_SECTIONS = new Set(['discover', 'search', 'charts', 'stream', 'upload', 'you', 'settings']);
const SPOTIFY_PATH = /^\/(?:intl-[a-z-]+\/)?(track|album|playlist|episode|show|artist)\/([A-Za-z0-9]+)\/?$/;

/**
 * The providers whose pages GoChat previews through oEmbed rather than from their HTML: these pages are
 * scripts with little metadata. A short list on purpose; other providers' pages may announce an
 * endpoint themselves (PageMetadata.oembedUrl), which the worker may use with the same parser.
 */
const PROVIDERS: Provider[] = [
  {
    // YouTube is asked about the canonical watch URL: every form (shorts, youtu.be...) maps to it.
    target: (url) => youtubeWatchUrl(url),
    endpoint: (options) => options.youtubeOembedEndpoint ?? 'https://www.youtube.com/oembed',
    query: { format: 'json' },
  },
  {
    target: (url) => {
      if (!VIMEO_HOSTS.has(url.hostname)) return null;
      const id = /^\/(?:video\/)?(\d+)(?:\/|$)/.exec(url.pathname)?.[1];
      if (id === undefined) {
        // /channels/{name}/{id} and /groups/{name}/videos/{id} pages are videos too.
        return /^\/(?:channels\/[^/]+|groups\/[^/]+\/videos)\/\d+\/?$/.test(url.pathname) ? url.href : null;
      }
      // Player URLs are asked about as the video's page; an unlisted video's hash stays in the path.
      return url.hostname === 'player.vimeo.com' ? `https://vimeo.com/${id}` : url.href;
    },
    endpoint: () => 'https://vimeo.com/api/oembed.json',
  },
  {
    target: (url) => {
      if (!SOUNDCLOUD_HOSTS.has(url.hostname)) return null;
      const segments = url.pathname.split('/').filter(Boolean);
      if (segments.length < 2 || SOUNDCLOUD_SECTIONS.has(segments[0]!)) return null;
      return `https://soundcloud.com${url.pathname}`;
    },
    endpoint: () => 'https://soundcloud.com/oembed',
    query: { format: 'json' },
  },
  {
    target: (url) => {
      if (url.hostname !== 'open.spotify.com') return null;
      const match = SPOTIFY_PATH.exec(url.pathname);
      return match ? `https://open.spotify.com/${match[1]}/${match[2]}` : null;
    },
    endpoint: () => 'https://open.spotify.com/oembed',
  },
];

/**
 * The oEmbed endpoint to fetch for `url` when it is a page of a known provider (YouTube, Vimeo,
 * SoundCloud, Spotify), or null.
 */
export function oembedEndpointFor(url: string, options: OembedOptions = {}): string | null {
  const normalised = normaliseUrl(url);
  const parsed = normalised === null ? null : parseHttpUrl(normalised);
  if (parsed === null) return null;
  for (const provider of PROVIDERS) {
    const target = provider.target(parsed);
    if (target === null) continue;
    const endpoint = parseHttpUrl(provider.endpoint(options));
    if (endpoint === null) return null;
    for (const [key, value] of Object.entries(provider.query ?? {})) endpoint.searchParams.set(key, value);
    endpoint.searchParams.set('url', target);
    return endpoint.href;
  }
  return null;
}

// Optional fields that are malformed are dropped (`.catch`) rather than failing the whole response:
// providers are sloppy (numbers as strings, empty strings), and the title alone is worth showing.
const text = (max: number) =>
  z
    .string()
    .transform((value) => truncate(singleLine(value), max) || undefined)
    .optional()
    .catch(undefined);
const httpUrl = z
  .string()
  .transform((value) => normaliseUrl(value.trim()) ?? undefined)
  .optional()
  .catch(undefined);
const dimension = z
  .union([z.number(), z.string()])
  .transform((value) => parseDimension(String(value)))
  .optional()
  .catch(undefined);

const oembedSchema = z.object({
  type: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
    z.enum(['photo', 'video', 'link', 'rich']),
  ),
  title: text(PAGE_LIMITS.title),
  author_name: text(PAGE_LIMITS.title),
  author_url: httpUrl,
  provider_name: text(PAGE_LIMITS.title),
  provider_url: httpUrl,
  thumbnail_url: httpUrl,
  thumbnail_width: dimension,
  thumbnail_height: dimension,
  url: httpUrl,
  width: dimension,
  height: dimension,
});

function decode(json: string | Uint8Array): string | null {
  if (typeof json === 'string') {
    if (json.length > MAX_OEMBED_BYTES || Buffer.byteLength(json) > MAX_OEMBED_BYTES) return null;
    return json.replace(/^\uFEFF/, '');
  }
  // TextDecoder drops a byte order mark by itself.
  return json.byteLength > MAX_OEMBED_BYTES ? null : new TextDecoder().decode(json);
}

/**
 * An oEmbed JSON response, checked: a known `type` is required, every other field is optional, and
 * malformed optional fields are dropped. URLs must be http(s). The provider's `html` is never read:
 * GoChat does not store or show third-party markup. Null for a response over MAX_OEMBED_BYTES, invalid
 * JSON, or anything but an object with a known type.
 */
export function parseOembed(json: string | Uint8Array): OembedData | null {
  const source = decode(json);
  if (source === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    return null;
  }
  const result = oembedSchema.safeParse(value);
  if (!result.success) return null;
  const data = result.data;
  const oembed: OembedData = { type: data.type };
  if (data.title) oembed.title = data.title;
  if (data.author_name) oembed.authorName = data.author_name;
  if (data.author_url) oembed.authorUrl = data.author_url;
  if (data.provider_name) oembed.providerName = data.provider_name;
  if (data.provider_url) oembed.providerUrl = data.provider_url;
  if (data.thumbnail_url) {
    oembed.thumbnail = { url: data.thumbnail_url };
    if (data.thumbnail_width) oembed.thumbnail.width = data.thumbnail_width;
    if (data.thumbnail_height) oembed.thumbnail.height = data.thumbnail_height;
  }
  if (data.url) oembed.url = data.url;
  if (data.width) oembed.width = data.width;
  if (data.height) oembed.height = data.height;
  return oembed;
}
