import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createDiskBlobStore, type BlobStore } from '@gochat/blob-store';
import { createMemoryStore, type KeyValueStore } from '@gochat/cache';
import type { Embed } from '@gochat/embeds';
import { createSafeFetcher, type SafeFetcher, type SafeFetchOptions } from '@gochat/safe-fetch';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createBlobImageProxy, proxiedImageKey, type ImageProxy, type ProxiedMedia } from './image-proxy.ts';
import {
  bytes,
  html,
  redirect,
  solidBombPng,
  startTestServer,
  streamForever,
  type TestServer,
} from './test-server.ts';
import { createUnfurler, unfurlCacheKey, type UnfurlSettings } from './unfurler.ts';

const PUBLIC_BASE = 'https://chat.example/media/public';
const VIDEO_ID = 'dQw4w9WgXcQ';
const YOUTUBE_LINK = `https://www.youtube.com/watch?v=${VIDEO_ID}`;

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  url?: string;
  address?: string;
  stage?: string;
}
const WARN = 40;

let server: TestServer;
let blobDir: string;
let blobs: BlobStore;
let images: ImageProxy;
let fetcher: SafeFetcher;
const img: Record<'og' | 'twitter' | 'thumb' | 'direct' | 'nested' | 'bomb', Buffer> = {} as never;
/** Settled by the test that holds /slow open. */
let releaseSlow = () => {};

async function solid(width: number, height: number, format: 'png' | 'jpeg', rgb: [number, number, number]) {
  const [r, g, b] = rgb;
  const image = sharp({ create: { width, height, channels: 3, background: { r, g, b } } });
  return (format === 'png' ? image.png() : image.jpeg()).toBuffer();
}

function page(head: string): string {
  return `<!doctype html><html><head>${head}</head><body><p>body</p></body></html>`;
}

function json(value: unknown): (request: IncomingMessage, response: ServerResponse) => void {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
}

beforeAll(async () => {
  img.og = await solid(300, 200, 'png', [255, 0, 0]);
  img.twitter = await solid(640, 320, 'jpeg', [0, 0, 255]);
  img.thumb = await solid(120, 90, 'png', [0, 255, 0]);
  img.direct = await solid(50, 40, 'png', [10, 20, 30]);
  img.nested = await solid(30, 30, 'png', [90, 90, 90]);
  img.bomb = solidBombPng(20_000, 20_000);

  const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
  const origin = () => server.origin;
  server = await startTestServer({
    '/og': html(
      page(`
        <title>Plain title</title>
        <meta property="og:title" content="An article">
        <meta property="og:description" content="What it is about">
        <meta property="og:site_name" content="Loopback News">
        <meta property="og:type" content="article">
        <meta property="og:image" content="/img/og.png">
        <meta property="og:image:width" content="300">
        <meta name="theme-color" content="#ff8800">
        <meta name="author" content="Ann Author">`),
    ),
    '/twitter': html(
      page(`
        <meta name="twitter:card" content="summary_large_image">
        <meta name="twitter:title" content="A big picture">
        <meta name="twitter:description" content="Twitter card">
        <meta name="twitter:image" content="/img/twitter.jpg">`),
    ),
    '/discover': html(
      page(`
        <title>Discovery page</title>
        <link rel="alternate" type="application/json+oembed" href="/oembed/good.json?format=json">`),
    ),
    '/oembed/good.json': (request, response) =>
      json({
        type: 'rich',
        version: '1.0',
        title: 'From oEmbed',
        author_name: 'Olga',
        author_url: 'https://olga.example/',
        provider_name: 'LoopTube',
        provider_url: 'https://looptube.example/',
        thumbnail_url: `${origin()}/img/thumb.png`,
        thumbnail_width: 120,
        thumbnail_height: 90,
        html: '<script>alert(1)</script>',
      })(request, response),
    '/discover-invalid': html(
      page(`
        <meta property="og:title" content="Page title survives">
        <link rel="alternate" type="application/json+oembed" href="/oembed/invalid.json">`),
    ),
    '/oembed/invalid.json': json('{"type": "rich", "title": '),
    '/discover-huge': html(
      page(`
        <meta property="og:title" content="Page title beats a huge oEmbed">
        <link rel="alternate" type="application/json+oembed" href="/oembed/huge.json">`),
    ),
    '/oembed/huge.json': json({ type: 'link', title: 'Huge', padding: 'x'.repeat(200 * 1024) }),
    '/yt-oembed': (request, response) =>
      json({
        type: 'video',
        title: 'A video',
        author_name: 'A channel',
        author_url: 'https://www.youtube.com/@channel',
        provider_name: 'YouTube',
        provider_url: 'https://www.youtube.com/',
        thumbnail_url: `${origin()}/img/thumb.png`,
        thumbnail_width: 480,
        thumbnail_height: 360,
        width: 200,
        height: 113,
        html: '<iframe></iframe>',
      })(request, response),
    '/img/og.png': bytes(img.og, 'image/png'),
    '/img/twitter.jpg': bytes(img.twitter, 'image/jpeg'),
    '/img/thumb.png': bytes(img.thumb, 'image/png'),
    '/img/direct.png': bytes(img.direct, 'image/png'),
    '/img/bomb.png': bytes(img.bomb, 'image/png'),
    '/r1': redirect('/r2'),
    '/r2': redirect('/r3'),
    '/r3': redirect('/deep/page'),
    '/deep/page': html(
      page(`<meta property="og:title" content="At the end"><meta property="og:image" content="nested.png">`),
    ),
    '/deep/nested.png': bytes(img.nested, 'image/png'),
    '/cached': html(page('<meta property="og:title" content="Cache me">')),
    '/single': html(page('<meta property="og:title" content="Only once">')),
    '/excluded': html(page('<meta property="og:title" content="Never">')),
    '/never': (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.write('<html><head><title>never finishes');
    },
    '/endless': streamForever('text/html', Buffer.alloc(64 * 1024, 'a')),
    '/many-meta': html(
      page(
        '<meta property="og:title" content="Meta storm">' +
          Array.from({ length: 10_000 }, (_, i) => `<meta name="x-${i}" content="${i}">`).join(''),
      ),
    ),
    '/bomb-page': html(
      page(
        `<meta property="og:title" content="A bomb inside"><meta property="og:image" content="/img/bomb.png">`,
      ),
    ),
    '/ssrf-image': (request, response) =>
      html(
        page(
          `<meta property="og:title" content="Sneaky"><meta property="og:image" content="http://169.254.169.254:${server.port}/latest/meta-data">`,
        ),
      )(request, response),
    '/slow': (_request, response) => {
      void slow.then(() =>
        html(page('<meta property="og:title" content="Slow but sure">'))(_request, response),
      );
    },
    '/to-private': (request, response) => redirect(`http://10.1.2.3:${server.port}/admin`)(request, response),
    '/pdf': bytes(Buffer.from('%PDF-1.4'), 'application/pdf'),
  });

  blobDir = await mkdtemp(join(tmpdir(), 'unfurl-blobs-'));
  blobs = createDiskBlobStore({ dir: blobDir, signingKey: randomBytes(32), baseUrl: 'https://chat.example' });
  images = createBlobImageProxy({ blobs, log: pino({ level: 'silent' }) });
  fetcher = loopbackFetcher();
});

afterAll(async () => {
  releaseSlow();
  await server.close();
  await rm(blobDir, { recursive: true, force: true });
});

/** The test deployment's fetcher: loopback allowed, on the server's port only. */
function loopbackFetcher(options: SafeFetchOptions = {}): SafeFetcher {
  return createSafeFetcher({ allowAddresses: ['127.0.0.1/32'], ports: [server.port], ...options });
}

interface Setup {
  fetcher?: SafeFetcher;
  images?: ImageProxy | null;
  settings?: UnfurlSettings;
}

/** A fresh unfurler with its own memory cache and a pino logger writing into `lines`. */
function setup(options: Setup = {}) {
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  const cache: KeyValueStore = createMemoryStore();
  const unfurler = createUnfurler({
    fetcher: options.fetcher ?? fetcher,
    cache,
    images: options.images === undefined ? images : options.images,
    log,
    settings: options.settings ?? {},
  });
  return { unfurler, cache, lines };
}

async function cachedValue(cache: KeyValueStore, link: string): Promise<unknown> {
  const raw = await cache.get(unfurlCacheKey(link));
  return raw === null ? null : JSON.parse(raw);
}

/** Asserts `media` is our stored copy of `source` and returns it. */
async function expectProxied(media: Embed['image'], source: string, size: { width: number; height: number }) {
  const key = proxiedImageKey(source);
  expect(media).toEqual({
    url: `${PUBLIC_BASE}/${key}`,
    width: size.width,
    height: size.height,
    contentType: 'image/webp',
    proxied: true,
    proxiedFrom: source,
    placeholder: expect.any(String),
  });
  expect(media?.url.startsWith(server.origin)).toBe(false);
  expect(await blobs.head(key)).toMatchObject({ contentType: 'image/webp' });
  const copy = await blobs.localCopy(key);
  try {
    expect(await sharp(copy.path).metadata()).toMatchObject({ format: 'webp', ...size });
  } finally {
    await copy.release();
  }
  return media as ProxiedMedia;
}

describe('unfurling pages', () => {
  it('makes an article embed from OpenGraph tags, with its thumbnail copied to our blob store', async () => {
    const { unfurler } = setup();
    const link = server.url('/og');
    const embed = await unfurler.unfurl(`${link}#section`);
    expect(embed).toMatchObject({
      type: 'article',
      url: link,
      title: 'An article',
      description: 'What it is about',
      siteName: 'Loopback News',
      provider: { name: 'Loopback News' },
      author: { name: 'Ann Author' },
      color: 0xff8800,
    });
    expect(embed?.image).toBeUndefined();
    await expectProxied(embed?.thumbnail, server.url('/img/og.png'), { width: 300, height: 200 });
  });

  it('shows a Twitter summary_large_image card as a large image', async () => {
    const { unfurler } = setup();
    const embed = await unfurler.unfurl(server.url('/twitter'));
    expect(embed).toMatchObject({ type: 'link', title: 'A big picture', description: 'Twitter card' });
    expect(embed?.thumbnail).toBeUndefined();
    await expectProxied(embed?.image, server.url('/img/twitter.jpg'), { width: 640, height: 320 });
  });

  it("reads a page's oEmbed discovery link, without keeping the provider's html", async () => {
    const { unfurler } = setup();
    const embed = await unfurler.unfurl(server.url('/discover'));
    expect(embed).toMatchObject({
      type: 'link',
      title: 'From oEmbed',
      siteName: 'LoopTube',
      provider: { name: 'LoopTube', url: 'https://looptube.example/' },
      author: { name: 'Olga', url: 'https://olga.example/' },
    });
    expect(JSON.stringify(embed)).not.toContain('script');
    await expectProxied(embed?.thumbnail, server.url('/img/thumb.png'), { width: 120, height: 90 });
  });

  it('asks the YouTube oEmbed endpoint (here on loopback) and makes a video embed with the player URL', async () => {
    const before = server.hits('/yt-oembed');
    const { unfurler } = setup({ settings: { youtubeOembedEndpoint: server.url('/yt-oembed') } });
    const embed = await unfurler.unfurl(`https://youtu.be/${VIDEO_ID}`);
    expect(server.hits('/yt-oembed')).toBe(before + 1);
    expect(embed).toMatchObject({
      type: 'video',
      url: `https://youtu.be/${VIDEO_ID}`,
      title: 'A video',
      siteName: 'YouTube',
      author: { name: 'A channel' },
      video: { url: `https://www.youtube.com/embed/${VIDEO_ID}`, width: 200, height: 113 },
    });
    await expectProxied(embed?.thumbnail, server.url('/img/thumb.png'), { width: 120, height: 90 });
  });

  it('uses youtubeEmbedBase for the player URL', async () => {
    const { unfurler } = setup({
      settings: {
        youtubeOembedEndpoint: server.url('/yt-oembed'),
        youtubeEmbedBase: 'https://www.youtube-nocookie.com/embed/',
      },
    });
    const embed = await unfurler.unfurl(YOUTUBE_LINK);
    expect(embed?.video?.url).toBe(`https://www.youtube-nocookie.com/embed/${VIDEO_ID}`);
  });

  it('makes an image embed with dimensions from a direct PNG link, fetched once', async () => {
    const before = server.hits('/img/direct.png');
    const { unfurler } = setup();
    const link = server.url('/img/direct.png');
    const embed = await unfurler.unfurl(link);
    expect(embed).toMatchObject({ type: 'image', url: link });
    await expectProxied(embed?.image, link, { width: 50, height: 40 });
    expect(server.hits('/img/direct.png')).toBe(before + 1);
  });

  it('follows a redirect chain, keeps the link as the embed URL and resolves relative images on the final page', async () => {
    const { unfurler } = setup();
    const embed = await unfurler.unfurl(server.url('/r1'));
    expect(embed).toMatchObject({ type: 'link', url: server.url('/r1'), title: 'At the end' });
    await expectProxied(embed?.thumbnail, server.url('/deep/nested.png'), { width: 30, height: 30 });
  });

  it('makes nothing of a file type it does not show', async () => {
    const { unfurler, cache } = setup();
    expect(await unfurler.unfurl(server.url('/pdf'))).toBeNull();
    expect(await cachedValue(cache, server.url('/pdf'))).toEqual({ none: true, reason: 'UNSUPPORTED_TYPE' });
  });
});

describe('caching and sharing', () => {
  it('answers a second unfurl from the cache, without a request', async () => {
    const { unfurler, cache } = setup();
    const link = server.url('/cached');
    const first = await unfurler.unfurl(link);
    const hits = server.hits();
    const second = await unfurler.unfurl(`${link}#again`);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ title: 'Cache me' });
    expect(server.hits()).toBe(hits);
    expect(await cachedValue(cache, link)).toEqual({ embed: first });
  });

  it('remembers a failure: a 404 page is fetched once across two unfurls', async () => {
    const { unfurler, cache } = setup();
    const link = server.url('/missing-page');
    const before = server.hits('/missing-page');
    expect(await unfurler.unfurl(link)).toBeNull();
    expect(await unfurler.unfurl(link)).toBeNull();
    expect(server.hits('/missing-page')).toBe(before + 1);
    expect(await cachedValue(cache, link)).toEqual({ none: true, reason: 'HTTP_STATUS' });
  });

  it('shares one fetch between 10 concurrent unfurls of one URL', async () => {
    const { unfurler } = setup();
    const before = server.hits('/single');
    const link = server.url('/single');
    const embeds = await Promise.all(Array.from({ length: 10 }, () => unfurler.unfurl(link)));
    expect(server.hits('/single')).toBe(before + 1);
    for (const embed of embeds) expect(embed).toMatchObject({ title: 'Only once' });
  });

  it('lets one waiter give up without failing the others', async () => {
    const { unfurler } = setup();
    const link = server.url('/slow');
    const quitter = new AbortController();
    const patient = unfurler.unfurl(link);
    const impatient = unfurler.unfurl(link, quitter.signal);
    await expect.poll(() => server.hits('/slow'), { timeout: 15_000 }).toBe(1);
    quitter.abort(new Error('gave up'));
    await expect(impatient).rejects.toThrow('gave up');
    releaseSlow();
    expect(await patient).toMatchObject({ title: 'Slow but sure' });
    expect(server.hits('/slow')).toBe(1);
  });

  it('never fetches or caches an excluded URL', async () => {
    const { unfurler, cache } = setup({
      settings: { excludedUrlPatterns: [/\/excluded$/, /^https:\/\/other\./g] },
    });
    const link = server.url('/excluded');
    expect(await unfurler.unfurl(link)).toBeNull();
    expect(await unfurler.unfurl(link)).toBeNull();
    expect(server.hits('/excluded')).toBe(0);
    expect(await cache.get(unfurlCacheKey(link))).toBeNull();
  });

  it('ignores what is not an http(s) link', async () => {
    const { unfurler } = setup();
    const hits = server.hits();
    for (const link of [
      'javascript:alert(1)',
      'data:text/html,<b>x</b>',
      'not a url',
      `http://x/${'a'.repeat(3000)}`,
    ]) {
      expect(await unfurler.unfurl(link)).toBeNull();
    }
    expect(server.hits()).toBe(hits);
  });
});

describe('the SSRF guard', () => {
  it('with the default fetcher, refuses a loopback URL without connecting, and logs it at warn', async () => {
    const { unfurler, lines, cache } = setup({ fetcher: createSafeFetcher() });
    const before = server.hits();
    const link = server.url('/og');
    expect(await unfurler.unfurl(link)).toBeNull();
    expect(server.hits()).toBe(before);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: WARN, code: 'BAD_PORT', url: link, stage: 'page' }),
    );
    expect(await cachedValue(cache, link)).toEqual({ none: true, reason: 'BAD_PORT' });
  });

  it('refuses the loopback address itself when the port is allowed, and logs the address', async () => {
    const { unfurler, lines } = setup({ fetcher: createSafeFetcher({ ports: [server.port] }) });
    const before = server.hits();
    expect(await unfurler.unfurl(server.url('/og'))).toBeNull();
    expect(server.hits()).toBe(before);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: WARN, code: 'BLOCKED_ADDRESS', address: '127.0.0.1', stage: 'page' }),
    );
  });

  it('refuses a redirect to a private address, and logs it', async () => {
    const { unfurler, lines, cache } = setup();
    const link = server.url('/to-private');
    expect(await unfurler.unfurl(link)).toBeNull();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: WARN,
        code: 'BLOCKED_ADDRESS',
        address: '10.1.2.3',
        url: `http://10.1.2.3:${server.port}/admin`,
        link,
      }),
    );
    expect(await cachedValue(cache, link)).toEqual({ none: true, reason: 'BLOCKED_ADDRESS' });
  });

  it('refuses an embed image on a private address: the embed stays, without the image', async () => {
    const { unfurler, lines } = setup();
    const embed = await unfurler.unfurl(server.url('/ssrf-image'));
    expect(embed).toEqual({ type: 'link', url: server.url('/ssrf-image'), title: 'Sneaky' });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: WARN,
        code: 'BLOCKED_ADDRESS',
        address: '169.254.169.254',
        stage: 'image',
      }),
    );
  });
});

describe('bad input', () => {
  it('gives up on a page that never finishes, within the timeout', async () => {
    const { unfurler, cache } = setup({ fetcher: loopbackFetcher({ totalTimeoutMs: 1_000 }) });
    const started = Date.now();
    expect(await unfurler.unfurl(server.url('/never'))).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await cachedValue(cache, server.url('/never'))).toEqual({ none: true, reason: 'TIMEOUT' });
  });

  it('stops reading an endless (5 GB) body at the cap', async () => {
    const { unfurler, cache } = setup();
    const started = Date.now();
    expect(await unfurler.unfurl(server.url('/endless'))).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await cachedValue(cache, server.url('/endless'))).toEqual({ none: true, reason: 'TOO_LARGE' });
  });

  it('reads a page with 10,000 meta tags', async () => {
    const { unfurler } = setup();
    expect(await unfurler.unfurl(server.url('/many-meta'))).toEqual({
      type: 'link',
      url: server.url('/many-meta'),
      title: 'Meta storm',
    });
  });

  it('falls back to the page when its oEmbed is invalid JSON', async () => {
    const { unfurler, lines } = setup();
    const embed = await unfurler.unfurl(server.url('/discover-invalid'));
    expect(embed).toMatchObject({ type: 'link', title: 'Page title survives' });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'unfurl: invalid oEmbed response ignored' }));
  });

  it('falls back to the page when its oEmbed is enormous', async () => {
    const { unfurler, lines } = setup();
    const embed = await unfurler.unfurl(server.url('/discover-huge'));
    expect(embed).toMatchObject({ type: 'link', title: 'Page title beats a huge oEmbed' });
    expect(lines).toContainEqual(expect.objectContaining({ code: 'TOO_LARGE', stage: 'oembed' }));
  });

  it('keeps the embed but drops a decompression-bomb image, never decoding it', async () => {
    expect(img.bomb.length).toBeLessThan(200 * 1024);
    const { unfurler } = setup();
    const embed = await unfurler.unfurl(server.url('/bomb-page'));
    expect(embed).toEqual({ type: 'link', url: server.url('/bomb-page'), title: 'A bomb inside' });
    expect(await blobs.head(proxiedImageKey(server.url('/img/bomb.png')))).toBeNull();
  });

  it('makes no embed of a direct link to a decompression bomb', async () => {
    const { unfurler, cache } = setup();
    const link = server.url('/img/bomb.png');
    expect(await unfurler.unfurl(link)).toBeNull();
    expect(await cachedValue(cache, link)).toEqual({ none: true, reason: 'BAD_IMAGE' });
  });
});

describe('failures of our own side', () => {
  it('unfurls without the cache when the cache fails, and says so', async () => {
    const lines: LogLine[] = [];
    const log = pino(
      { level: 'debug' },
      { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    );
    const broken = createMemoryStore();
    broken.get = () => Promise.reject(new Error('cache down'));
    broken.set = () => Promise.reject(new Error('cache down'));
    const unfurler = createUnfurler({ fetcher, cache: broken, images, log });
    expect(await unfurler.unfurl(server.url('/cached'))).toMatchObject({ title: 'Cache me' });
    expect(lines.filter((line) => line.level === WARN).map((line) => line.msg)).toEqual([
      'unfurl: cache read failed',
      'unfurl: cache write failed',
    ]);
  });

  it('throws when the image store fails, caching nothing, so the worker retries', async () => {
    const failing: ImageProxy = { store: () => Promise.reject(new Error('blob store down')) };
    const { unfurler, cache } = setup({ images: failing });
    await expect(unfurler.unfurl(server.url('/og'))).rejects.toThrow('blob store down');
    expect(await cache.get(unfurlCacheKey(server.url('/og')))).toBeNull();
  });

  it('throws when the fetcher is shut down, caching nothing', async () => {
    const shutdown = new AbortController();
    shutdown.abort();
    const { unfurler, cache } = setup({ fetcher: loopbackFetcher({ signal: shutdown.signal }) });
    await expect(unfurler.unfurl(server.url('/og'))).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await cache.get(unfurlCacheKey(server.url('/og')))).toBeNull();
  });
});

describe('without an image store', () => {
  it('keeps no images at all, and fetches none', async () => {
    const { unfurler } = setup({ images: null });
    const imageHits = server.hits('/img/og.png') + server.hits('/img/twitter.jpg');
    const article = await unfurler.unfurl(server.url('/og'));
    expect(article).toMatchObject({ type: 'article', title: 'An article' });
    const card = await unfurler.unfurl(server.url('/twitter'));
    expect(card).toMatchObject({ title: 'A big picture' });
    for (const embed of [article, card]) {
      expect(embed).not.toHaveProperty('image');
      expect(embed).not.toHaveProperty('thumbnail');
    }
    expect(server.hits('/img/og.png') + server.hits('/img/twitter.jpg')).toBe(imageHits);
  });

  it('makes no embed of a direct image link', async () => {
    const { unfurler } = setup({ images: null });
    expect(await unfurler.unfurl(server.url('/img/direct.png'))).toBeNull();
  });
});
