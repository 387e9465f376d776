/**
 * bench:embeds' page server, in its own process so its memory and CPU are not the worker's: every
 * path answers an OpenGraph page (a distinct title per path) after `?delay=<ms>`. Prints its port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const delay = Number(url.searchParams.get('delay') ?? 0);
  const title = url.pathname.slice(1) || 'home';
  const body =
    `<!doctype html><html><head><title>${title}</title>` +
    `<meta property="og:title" content="Page ${title}">` +
    `<meta property="og:description" content="A page for the embedder benchmark, ${title}.">` +
    `<meta property="og:site_name" content="Bench"><meta name="theme-color" content="#336699">` +
    `</head><body>${'<p>filler text for a realistic page body</p>'.repeat(200)}</body></html>`;
  setTimeout(() => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(body);
  }, delay);
});
server.keepAliveTimeout = 1;
server.listen(0, '127.0.0.1', () => {
  console.log(String((server.address() as AddressInfo).port));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
