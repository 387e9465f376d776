import fs from 'node:fs';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';

import type { RequestContext } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';

/**
 * The built web client (clients/web/dist: index.html and hashed files under assets/), served by the
 * router at every GET or HEAD path its API does not use (docs/decisions/0042-router-serves-web-client.md).
 * A path without an extension is a client-side route and gets index.html; files are read from disk
 * on each request, so a rebuild needs no restart.
 */

/** The repository root: relative `router.web.dir` values are from here, not from the cwd. */
const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/** Paths of the API and the host (/health, /ready, /metrics): never the web client's. */
const API_PATH = /^\/(graphql|api|health|ready|metrics)(\/|$)/;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** On every answer of the web client: the app's policy, harmless on the files it loads. */
const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** Hashed names (Vite's assets/): a changed file has a new name, so browsers may keep these forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>GoChat: the web client is not built</title></head>
  <body>
    <h1>The web client is not built</h1>
    <p>Build it with <code>npm run build:web</code> (<code>npm install</code> does it too), then reload.
    The GraphQL API at <code>/graphql</code> works without it.</p>
  </body>
</html>
`;

/** A GET or HEAD of this path is the web client's (when it is enabled). */
export const isWebClientPath = (pathname: string): boolean => !API_PATH.test(pathname);

/** `router.web.dir` as an absolute path: a relative one is from the repository root. */
export const resolveWebClientDir = (dir: string): string => path.resolve(REPO_ROOT, dir);

export interface WebClient {
  /** Answers a GET or HEAD of a web client path (isWebClientPath). */
  fetch(request: Request, context?: RequestContext): Promise<Response>;
}

/**
 * The file a URL path names, relative to the folder, or undefined when the path must be refused:
 * a `.` or `..` segment (also percent-encoded, also in the raw target the URL parser already
 * resolved), any other dot file, a NUL, a backslash or an encoded slash, or bad percent-encoding.
 */
export function webClientFile(pathname: string, rawTarget?: string): string | undefined {
  if (rawTarget !== undefined) {
    const rawPath = rawTarget.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split('?')[0]!;
    if (segmentsOf(rawPath) === undefined) return undefined;
  }
  return segmentsOf(pathname)?.join('/');
}

function segmentsOf(urlPath: string): string[] | undefined {
  if (/%(00|2f|5c)/i.test(urlPath) || urlPath.includes('\\')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const segments = decoded.split('/').filter(Boolean);
  return segments.some((segment) => segment.startsWith('.')) ? undefined : segments;
}

const isFile = async (file: string) =>
  (await fs.promises.stat(file).catch(() => undefined))?.isFile() ?? false;

export function createWebClient(options: { dir: string; log: Pick<Logger, 'warn'> }): WebClient {
  const root = path.resolve(options.dir);
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index))
    options.log.warn(
      { dir: root },
      'web client not built: / answers 503 until `npm run build:web` has run (npm install runs it)',
    );

  const answer = (head: boolean, status: number, body: Buffer | string, headers: Record<string, string>) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    return new Response(head ? null : new Uint8Array(bytes), {
      status,
      statusText: STATUS_CODES[status] ?? '',
      headers: { ...SECURITY_HEADERS, ...headers, 'content-length': String(bytes.byteLength) },
    });
  };
  const notFound = (head: boolean) =>
    answer(head, 404, 'Not found.\n', {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-cache',
    });

  /** The file inside the folder (symbolic links included), or undefined. */
  const inside = async (file: string) => {
    try {
      const [real, realRoot] = await Promise.all([fs.promises.realpath(file), fs.promises.realpath(root)]);
      return real.startsWith(realRoot + path.sep) && (await isFile(real)) ? real : undefined;
    } catch {
      return undefined;
    }
  };

  const serve = async (file: string, relative: string, head: boolean) => {
    const body = await fs.promises.readFile(file);
    return answer(head, 200, body, {
      'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': relative.startsWith('assets/') ? IMMUTABLE : 'no-cache',
    });
  };

  return {
    async fetch(request, context) {
      const head = request.method === 'HEAD';
      const relative = webClientFile(new URL(request.url).pathname, context?.rawTarget);
      if (relative === undefined) return notFound(head);
      if (!(await isFile(index)))
        return answer(head, 503, NOT_BUILT_PAGE, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        });
      const file = relative === '' ? index : await inside(path.join(root, relative));
      if (file) return serve(file, relative, head);
      // Under assets/ or with an extension it was a file, and it is not there.
      if (relative.startsWith('assets/') || path.extname(relative) !== '') return notFound(head);
      return serve(index, 'index.html', head); // a client-side route
    },
  };
}
