import { Parser } from 'htmlparser2';

import { decodePage } from './charset.ts';
import { parseDimension } from './dimension.ts';
import { MAX_URL_LENGTH, PAGE_LIMITS } from './limits.ts';
import { normaliseUrl, parseHttpUrl } from './normalise-url.ts';
import { multiLine, singleLine, truncate } from './text.ts';
import type { PageImage, PageMetadata, PageVideo } from './types.ts';

/** Chunks the parser is fed in, so that it stops soon after `</head>` instead of reading the rest. */
const CHUNK = 16 * 1024;

/**
 * Structured OpenGraph properties (og:image, og:image:width...) describe the og:image they follow.
 * Only the first image is kept: its properties are those seen before an og:image with another URL
 * starts the second (properties written before the first og:image count for it too, as some sites
 * put them first; `og:image:url` is another name for `og:image`, often repeated right after it).
 */
class FirstStructured {
  private count = 0;
  readonly properties = new Map<string, string>();

  add(property: string, value: string): void {
    if (property === '' || property === 'url') {
      const current = this.properties.get('url');
      if (current === undefined) {
        this.properties.set('url', value);
        this.count = Math.max(this.count, 1);
      } else if (current.trim() !== value.trim()) {
        this.count++;
      }
      return;
    }
    if (this.count <= 1 && !this.properties.has(property)) this.properties.set(property, value);
  }
}

/** Everything read from the head, raw: cleaning and URL resolution happen once, at the end. */
class HeadReader {
  done = false;
  private parser: Parser | null = null;
  private metaTags = 0;
  private svgDepth = 0;
  private inTitle = false;
  private titleSeen = false;
  title = '';
  readonly meta = new Map<string, string>();
  readonly ogImage = new FirstStructured();
  readonly ogVideo = new FirstStructured();
  canonical: string | undefined;
  oembed: string | undefined;
  base: string | undefined;

  onparserinit(parser: Parser): void {
    this.parser = parser;
  }

  onopentag(name: string, attributes: Record<string, string>): void {
    if (this.done) return;
    switch (name) {
      case 'meta':
        this.onMeta(attributes);
        break;
      case 'link':
        this.onLink(attributes);
        break;
      case 'base':
        this.base ??= attributes.href;
        break;
      case 'title':
        // An SVG's <title> is the drawing's tooltip, not the page's.
        if (this.svgDepth === 0 && !this.titleSeen) this.inTitle = this.titleSeen = true;
        break;
      case 'svg':
        this.svgDepth++;
        break;
      case 'body':
        // The head is over even when it was never opened: what follows is the page's content.
        this.stop();
        break;
    }
  }

  ontext(text: string): void {
    // Bounded: a title longer than this is cut to PAGE_LIMITS.title anyway.
    if (this.inTitle && this.title.length < PAGE_LIMITS.title * 8) this.title += text;
  }

  onclosetag(name: string): void {
    if (name === 'title') this.inTitle = false;
    else if (name === 'svg') this.svgDepth = Math.max(0, this.svgDepth - 1);
    // Also fired when <body> implies the end of the head.
    else if (name === 'head') this.stop();
  }

  private stop(): void {
    this.done = true;
    this.parser?.pause();
  }

  private onMeta(attributes: Record<string, string>): void {
    if (++this.metaTags > PAGE_LIMITS.metaTags) return;
    const key = (attributes.property ?? attributes.name ?? '').trim().toLowerCase();
    const content = attributes.content;
    if (key === '' || content === undefined) return;
    if (key === 'og:image' || key.startsWith('og:image:')) this.ogImage.add(key.slice(9), content);
    else if (key === 'og:video' || key.startsWith('og:video:')) this.ogVideo.add(key.slice(9), content);
    else if (!this.meta.has(key)) this.meta.set(key, content);
  }

  private onLink(attributes: Record<string, string>): void {
    const rel = (attributes.rel ?? '').toLowerCase().split(/\s+/);
    const href = attributes.href;
    if (href === undefined) return;
    if (rel.includes('canonical')) this.canonical ??= href;
    const type = (attributes.type ?? '').trim().toLowerCase();
    if (rel.includes('alternate') && type === 'application/json+oembed') this.oembed ??= href;
  }
}

/** Assigns only defined values, so results have no `key: undefined` and compare cleanly. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/**
 * Reads the link-preview metadata of an HTML page with htmlparser2's streaming parser (no DOM). It
 * reads `<title>`, the description, theme colour, OpenGraph, Twitter card, canonical and oEmbed
 * discovery links and the author, and stops at the end of the head (`</head>`, or `<body>`).
 *
 * Built for hostile input: at most the first PAGE_LIMITS.inputSize of `html` is read, meta tags past
 * the first PAGE_LIMITS.metaTags are ignored, every string is capped, broken markup and a missing
 * `<head>` are fine (without a head, metadata anywhere in the read part counts). Bytes are decoded by
 * their charset (BOM, `charsetHint` — a label or the Content-Type header — then `<meta charset>`,
 * then UTF-8). URLs are resolved against `<base href>` or `pageUrl`; only http(s) ones are kept.
 */
export function parsePageMetadata(
  html: string | Uint8Array,
  pageUrl: string,
  charsetHint?: string,
): PageMetadata {
  const text =
    typeof html === 'string'
      ? html.slice(0, PAGE_LIMITS.inputSize)
      : decodePage(html.subarray(0, PAGE_LIMITS.inputSize), charsetHint);
  const reader = new HeadReader();
  const parser = new Parser(reader, { decodeEntities: true });
  for (let offset = 0; offset < text.length && !reader.done; offset += CHUNK) {
    parser.write(text.slice(offset, offset + CHUNK));
  }
  if (!reader.done) parser.end();
  return collect(reader, pageUrl);
}

function collect(reader: HeadReader, pageUrl: string): PageMetadata {
  const page = parseHttpUrl(pageUrl);
  const base = (page && reader.base !== undefined ? parseHttpUrl(reader.base.trim(), page) : null) ?? page;
  const meta = (key: string) => reader.meta.get(key);

  const url = (raw: string | undefined): string | undefined => {
    if (raw === undefined) return undefined;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.length > MAX_URL_LENGTH) return undefined;
    const resolved = parseHttpUrl(trimmed, base ?? undefined);
    return (resolved && normaliseUrl(resolved.href)) ?? undefined;
  };
  const line = (raw: string | undefined, max: number = PAGE_LIMITS.text) =>
    raw === undefined ? undefined : truncate(singleLine(raw), max) || undefined;
  const lines = (raw: string | undefined) =>
    raw === undefined ? undefined : truncate(multiLine(raw), PAGE_LIMITS.description) || undefined;

  const image = (properties: Map<string, string>): PageImage | undefined => {
    const imageUrl = url(properties.get('secure_url')) ?? url(properties.get('url'));
    if (imageUrl === undefined) return undefined;
    return compact({
      url: imageUrl,
      width: parseDimension(properties.get('width')),
      height: parseDimension(properties.get('height')),
      alt: line(properties.get('alt')),
    });
  };
  const video = (properties: Map<string, string>): PageVideo | undefined => {
    const videoUrl = url(properties.get('secure_url')) ?? url(properties.get('url'));
    if (videoUrl === undefined) return undefined;
    return compact({
      url: videoUrl,
      width: parseDimension(properties.get('width')),
      height: parseDimension(properties.get('height')),
      contentType: line(properties.get('type'))?.toLowerCase(),
    });
  };

  const twitterImage = new Map<string, string>();
  const twitterImageUrl = meta('twitter:image') ?? meta('twitter:image:src');
  if (twitterImageUrl !== undefined) twitterImage.set('url', twitterImageUrl);
  const twitterImageAlt = meta('twitter:image:alt');
  if (twitterImageAlt !== undefined) twitterImage.set('alt', twitterImageAlt);

  const twitterPlayer = new Map<string, string>();
  for (const key of ['url', 'width', 'height'] as const) {
    const value = meta(key === 'url' ? 'twitter:player' : `twitter:player:${key}`);
    if (value !== undefined) twitterPlayer.set(key, value);
  }

  // article:author is a profile URL by the OpenGraph spec, but many sites put a name there.
  const articleAuthor = meta('article:author');
  const articleAuthorUrl =
    articleAuthor && /^\s*https?:\/\//i.test(articleAuthor) ? url(articleAuthor) : undefined;
  const authorName = meta('author') ?? (articleAuthorUrl === undefined ? articleAuthor : undefined);

  return compact({
    title: line(reader.title, PAGE_LIMITS.title),
    description: lines(meta('description')),
    themeColor: line(meta('theme-color')),
    canonicalUrl: url(reader.canonical),
    oembedUrl: url(reader.oembed),
    author: line(authorName, PAGE_LIMITS.title),
    authorUrl: articleAuthorUrl,
    openGraph: compact({
      title: line(meta('og:title'), PAGE_LIMITS.title),
      description: lines(meta('og:description')),
      siteName: line(meta('og:site_name')),
      type: line(meta('og:type'))?.toLowerCase(),
      url: url(meta('og:url')),
      image: image(reader.ogImage.properties),
      video: video(reader.ogVideo.properties),
    }),
    twitter: compact({
      card: line(meta('twitter:card'))?.toLowerCase(),
      title: line(meta('twitter:title'), PAGE_LIMITS.title),
      description: lines(meta('twitter:description')),
      image: image(twitterImage),
      player: video(twitterPlayer),
      site: line(meta('twitter:site')),
      creator: line(meta('twitter:creator')),
    }),
  });
}
