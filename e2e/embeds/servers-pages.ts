import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import sharp from 'sharp';

/**
 * A loopback site for the embedder processes of embeds-servers.e2e.ts: `/page/<name>` is an
 * OpenGraph article whose og:image is `/img/<name>.png`, a small PNG made with sharp. Answers can be
 * delayed (work stays in flight for a while) or held until released (work stays in flight until the
 * test says so), and every request is counted.
 */
export interface PageServer {
  origin: string;
  port: number;
  /** The page of `name`. */
  pageUrl(name: string): string;
  /** The og:image URL of the page of `name`. */
  imageUrl(name: string): string;
  /** The title the page of `name` announces. */
  titleOf(name: string): string;
  /** Every request path received so far, in order. */
  readonly requests: readonly string[];
  /** Requests received whose answer has not been sent yet (held, delayed or being written). */
  readonly inFlight: number;
  /** The client-side ports of the connections of those requests (to tell which process sent them). */
  inFlightClientPorts(): Set<number>;
  /** Page and image answers wait this long before they are sent. */
  delayMs: number;
  /** From now on page answers wait until release() (or close()). */
  hold(): void;
  /** Answers every held request, and stops holding. */
  release(): void;
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startPageServer(): Promise<PageServer> {
  const png = await sharp({
    create: { width: 64, height: 48, channels: 3, background: { r: 30, g: 144, b: 255 } },
  })
    .png()
    .toBuffer();
  const requests: string[] = [];
  let inFlight = 0;
  const clientPorts = new Map<number, number>();
  let held: Array<() => void> | null = null;
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';

  const wait = async (ms: number) => {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  };

  const page = (name: string) =>
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<title>${escapeHtml(`Page ${name}`)}</title>` +
    `<meta property="og:type" content="article">` +
    `<meta property="og:site_name" content="Loopback site">` +
    `<meta property="og:title" content="${escapeHtml(`Page ${name}`)}">` +
    `<meta property="og:description" content="${escapeHtml(`About ${name}`)}">` +
    `<meta property="og:image" content="${origin}/img/${encodeURIComponent(name)}.png">` +
    `<meta name="twitter:card" content="summary_large_image">` +
    `</head><body><p>${escapeHtml(name)}</p></body></html>`;

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname);
    inFlight++;
    const clientPort = request.socket.remotePort ?? 0;
    clientPorts.set(clientPort, (clientPorts.get(clientPort) ?? 0) + 1);
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      inFlight--;
      const left = (clientPorts.get(clientPort) ?? 1) - 1;
      if (left > 0) clientPorts.set(clientPort, left);
      else clientPorts.delete(clientPort);
    };
    response.once('close', done);
    void (async () => {
      const pageMatch = /^\/page\/([^/]+)$/.exec(url.pathname);
      const imageMatch = /^\/img\/([^/]+)\.png$/.exec(url.pathname);
      const gate = pageMatch ? held : null;
      if (gate) await new Promise<void>((resolve) => gate.push(resolve));
      if (pageMatch || imageMatch) await wait(server_.delayMs);
      if (response.destroyed) return;
      if (pageMatch) {
        const body = page(decodeURIComponent(pageMatch[1]!));
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(body);
      } else if (imageMatch) {
        response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
        response.end(png);
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found');
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  const releaseAll = () => {
    const waiting = held ?? [];
    held = null;
    for (const resolve of waiting) resolve();
  };

  const server_: PageServer = {
    origin,
    port,
    pageUrl: (name) => `${origin}/page/${encodeURIComponent(name)}`,
    imageUrl: (name) => `${origin}/img/${encodeURIComponent(name)}.png`,
    titleOf: (name) => `Page ${name}`,
    get requests() {
      return requests;
    },
    get inFlight() {
      return inFlight;
    },
    inFlightClientPorts: () => new Set(clientPorts.keys()),
    delayMs: 0,
    hold() {
      held ??= [];
    },
    release: releaseAll,
    close: () =>
      new Promise<void>((resolve) => {
        releaseAll();
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return server_;
}

/**
 * Whether process `pid` holds one of the connections `clientPorts` (client side) to `serverPort` on
 * loopback, read from Linux's /proc: its socket inodes against the TCP tables. False elsewhere.
 */
export function holdsConnection(pid: number, serverPort: number, clientPorts: ReadonlySet<number>): boolean {
  if (clientPorts.size === 0) return false;
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (socket) inodes.add(socket[1]!);
    } catch {
      // closed meanwhile
    }
  }
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const local = Number.parseInt(fields[1]!.split(':').at(-1)!, 16);
      const remote = Number.parseInt(fields[2]!.split(':').at(-1)!, 16);
      if (remote === serverPort && clientPorts.has(local) && inodes.has(fields[9]!)) return true;
    }
  }
  return false;
}
