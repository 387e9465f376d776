/**
 * A loopback web site for the link-preview e2e tests: real HTTP on 127.0.0.1 (a port of its own), with
 * the pages the embedder unfurls and a count of requests per path, so a test can tell what GoChat
 * fetched (and what it did not: the cache, refused links, previews without EMBED_LINKS).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import sharp from 'sharp';

export interface PageServer {
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** http://127.0.0.1:<port><path> */
  url(path: string): string;
  /** Requests received for a path (query ignored). */
  hits(path: string): number;
  /** Every request received. */
  total(): number;
  /** Requests of /slow/* that are still open (the server never answers them in full). */
  openSlow(): number;
  /** The PNG bytes served for /pictures/<name>.png and /direct/<name>.png, by width × height. */
  readonly pictures: { article: Size; twitter: Size; thumbnail: Size; direct: Size };
  close(): Promise<void>;
}

export interface Size {
  width: number;
  height: number;
}

/** The YouTube-style oEmbed endpoint: `embeds.youtubeOembedEndpoint` points here. */
export const YOUTUBE_OEMBED_PATH = '/youtube/oembed';

const PICTURES = {
  article: { width: 320, height: 200 },
  twitter: { width: 600, height: 300 },
  thumbnail: { width: 480, height: 360 },
  direct: { width: 640, height: 480 },
} as const;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const meta = (attribute: 'property' | 'name', key: string, value: string) =>
  `<meta ${attribute}="${key}" content="${escapeHtml(value)}">`;

function page(head: string[], body = '<p>Body text that is not read.</p>'): string {
  return `<!doctype html><html><head><meta charset="utf-8">${head.join('')}</head><body>${body}</body></html>`;
}

/** The title and description of /page/<name> (an OpenGraph article of its own per name). */
export const pageTitle = (name: string) => `Page ${name}`;
export const pageDescription = (name: string) => `All about ${name}, served on loopback.`;

/**
 * Routes:
 * - `/article`: an OpenGraph article (og:title, og:description, og:site_name, og:image → /pictures/article.png)
 * - `/page/<name>`: a small OpenGraph article per name, its og:image /pictures/thumbnail.png
 * - `/twitter`: a Twitter summary_large_image card (twitter:image → /pictures/twitter.png)
 * - `/discovery`: a page with only a `<title>` and an oEmbed discovery link to `/discovery/oembed.json`
 * - `/youtube/oembed?url=…`: a YouTube-style oEmbed answer (type video, thumbnail on this server)
 * - `/direct/<name>.png`, `/pictures/<name>.png`: PNGs made with sharp
 * - `/hop/1` → `/hop/2` → `/hop/3` → `/hop/target`: a chain of three redirects to an article
 * - `/to-loopback`: a redirect to http://127.0.0.1/admin
 * - `/slow/<name>`: sends the start of an HTML page and never finishes it
 * - anything else: 404
 */
export async function startPageServer(): Promise<PageServer> {
  const pngs = Object.fromEntries(
    await Promise.all(
      Object.entries(PICTURES).map(
        async ([name, size], index) =>
          [
            name,
            await sharp({
              create: {
                ...size,
                channels: 3,
                background: ['#cc3333', '#33aa55', '#3366cc', '#aa8822'][index]!,
              },
            })
              .png()
              .toBuffer(),
          ] as const,
      ),
    ),
  ) as Record<keyof typeof PICTURES, Buffer>;

  const paths: string[] = [];
  const slow = new Set<http.ServerResponse>();
  let origin = '';
  const url = (path: string) => `${origin}${path}`;

  const send = (response: http.ServerResponse, status: number, type: string, body: string | Buffer) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    response.writeHead(status, { 'content-type': type, 'content-length': bytes.length });
    response.end(bytes);
  };
  const html = (response: http.ServerResponse, body: string) =>
    send(response, 200, 'text/html; charset=utf-8', body);
  const json = (response: http.ServerResponse, value: unknown) =>
    send(response, 200, 'application/json', JSON.stringify(value));
  const redirect = (response: http.ServerResponse, to: string) => {
    response.writeHead(302, { location: to, 'content-length': 0 });
    response.end();
  };

  const server = http.createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    paths.push(pathname);
    const picture = /^\/(?:pictures|direct)\/(article|twitter|thumbnail|direct)\.png$/.exec(pathname);
    if (picture) return send(response, 200, 'image/png', pngs[picture[1] as keyof typeof PICTURES]);
    const named = /^\/page\/([\w-]+)$/.exec(pathname);
    if (named) {
      const name = named[1]!;
      return html(
        response,
        page([
          `<title>ignored title</title>`,
          meta('property', 'og:type', 'article'),
          meta('property', 'og:title', pageTitle(name)),
          meta('property', 'og:description', pageDescription(name)),
          meta('property', 'og:image', url('/pictures/thumbnail.png')),
        ]),
      );
    }
    if (pathname.startsWith('/slow/')) {
      // Headers and the start of the page, then nothing: the fetch can only end by its timeout.
      slow.add(response);
      response.once('close', () => slow.delete(response));
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.write('<!doctype html><html><head><meta charset="utf-8">');
      response.write(meta('property', 'og:title', 'Never finishes'));
      return;
    }
    const hop = /^\/hop\/([123])$/.exec(pathname);
    if (hop) {
      const next = Number(hop[1]) + 1;
      return redirect(response, next <= 3 ? url(`/hop/${next}`) : '/hop/target');
    }
    switch (pathname) {
      case '/article':
        return html(
          response,
          page([
            '<title>The HTML title</title>',
            meta('property', 'og:type', 'article'),
            meta('property', 'og:site_name', 'Loopback Times'),
            meta('property', 'og:title', 'Loopback article'),
            meta('property', 'og:description', 'What the article is about, from og:description.'),
            meta('property', 'og:image', url('/pictures/article.png')),
            meta('name', 'theme-color', '#123456'),
          ]),
        );
      case '/twitter':
        return html(
          response,
          page([
            meta('name', 'twitter:card', 'summary_large_image'),
            meta('name', 'twitter:title', 'A Twitter card'),
            meta('name', 'twitter:description', 'Described by twitter:description.'),
            meta('name', 'twitter:image', url('/pictures/twitter.png')),
          ]),
        );
      case '/discovery':
        return html(
          response,
          page([
            '<title>Discovery page</title>',
            `<link rel="alternate" type="application/json+oembed" href="${url('/discovery/oembed.json')}">`,
          ]),
        );
      case '/discovery/oembed.json':
        return json(response, {
          version: '1.0',
          type: 'link',
          title: 'Title from the oEmbed document',
          author_name: 'Oembed Author',
          author_url: 'https://author.example/',
          provider_name: 'Discovered Provider',
          provider_url: 'https://provider.example/',
        });
      case YOUTUBE_OEMBED_PATH:
        return json(response, {
          version: '1.0',
          type: 'video',
          title: 'Never Gonna Give You Up (loopback)',
          author_name: 'Rick Astley',
          author_url: 'https://www.youtube.com/@RickAstleyYT',
          provider_name: 'YouTube',
          provider_url: 'https://www.youtube.com/',
          thumbnail_url: url('/pictures/thumbnail.png'),
          thumbnail_width: PICTURES.thumbnail.width,
          thumbnail_height: PICTURES.thumbnail.height,
          width: 200,
          height: 113,
          html: '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
        });
      case '/hop/target':
        return html(
          response,
          page([
            meta('property', 'og:type', 'article'),
            meta('property', 'og:title', 'End of the redirects'),
            meta('property', 'og:description', 'Reached after three redirects.'),
          ]),
        );
      case '/to-loopback':
        return redirect(response, 'http://127.0.0.1/admin');
      default:
        return send(response, 404, 'text/html; charset=utf-8', '<title>Not found</title>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    url,
    hits: (path) => paths.filter((p) => p === path).length,
    total: () => paths.length,
    openSlow: () => slow.size,
    pictures: PICTURES,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of slow) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
