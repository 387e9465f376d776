import type { ErrorCode } from '@gochat/errors';
import type { Logger } from '@gochat/log';
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { contentDisposition } from './content-disposition.ts';
import { LengthMismatch } from './exact-length.ts';
import { diskInternals, s3Internals, type DiskInternals } from './internal.ts';
import type { BlobStore } from './port.ts';
import { parseRange } from './range.ts';
import { isValidKey } from './validate.ts';

export type BlobHttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const ROUTE = /^\/media\/(upload|download|public)\/([^/].*)$/;
/** Served bytes are user content: never sniffed into something executable, never scripting our origin. */
const CONTENT_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
} as const;
const PUBLIC_CACHE = 'public, max-age=31536000, immutable';
const REDIRECT_CACHE = 'public, max-age=3600';

function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  // The client may already be gone (an aborted upload): there is no one left to answer.
  if (res.headersSent || res.destroyed || res.socket?.destroyed) return;
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

const notFound = (res: ServerResponse) => sendError(res, 404, 'NOT_FOUND', 'No such object.');
const methodNotAllowed = (res: ServerResponse, allow: string) =>
  sendError(res, 405, 'VALIDATION', `Method not allowed; use ${allow}.`, { Allow: allow });

/**
 * Serves /media/* for a store: uploads and downloads through signed tokens and public objects on the
 * disk store; on S3 only public objects, as a redirect to a presigned URL. Resolves true when the
 * request was under /media/ (answered, even if with an error), false otherwise.
 */
export function createBlobHttpHandler(store: BlobStore, { log }: { log: Logger }): BlobHttpHandler {
  const disk = diskInternals(store);
  const s3 = s3Internals(store);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const match = ROUTE.exec(path);
    if (!match) return notFound(res);
    const [, area, rest = ''] = match;
    const readMethod = req.method === 'GET' || req.method === 'HEAD';
    if (disk) {
      if (area === 'upload')
        return req.method === 'PUT' ? upload(disk, rest, req, res) : methodNotAllowed(res, 'PUT');
      if (!readMethod) return methodNotAllowed(res, 'GET, HEAD');
      return area === 'download' ? download(disk, rest, req, res) : servePublic(disk, rest, req, res);
    }
    if (s3 && area === 'public') {
      if (!readMethod) return methodNotAllowed(res, 'GET, HEAD');
      if (!isValidKey(rest)) return notFound(res);
      // No HEAD on S3 first: the redirect target answers 404 itself when the object is absent.
      res.writeHead(302, { Location: await s3.publicRedirectUrl(rest), 'Cache-Control': REDIRECT_CACHE });
      res.end();
      return;
    }
    return notFound(res);
  }

  async function upload(disk: DiskInternals, token: string, req: IncomingMessage, res: ServerResponse) {
    const verified = disk.verify(token, 'put');
    if (!verified.ok) return refuse(res, verified.reason);
    const signed = verified.payload;
    // Rejected before the body is read; `Connection: close` keeps the client from sending more on it.
    const close = { Connection: 'close' };
    const length = req.headers['content-length'];
    if (length === undefined || !/^\d+$/.test(length) || Number(length) !== signed.len)
      return sendError(res, 400, 'VALIDATION', `Content-Length must be ${signed.len}.`, close);
    if (req.headers['content-type'] !== signed.type)
      return sendError(res, 400, 'VALIDATION', `Content-Type must be ${signed.type}.`, close);
    try {
      await disk.writeExact(signed.key, req, signed.len, signed.type);
    } catch (e) {
      if (e instanceof LengthMismatch) return sendError(res, 400, 'VALIDATION', e.message, close);
      if (req.destroyed || res.destroyed) {
        // The client went away mid-upload; the temp file is already gone.
        log.debug({ err: e, key: signed.key }, 'upload aborted by the client');
        return;
      }
      throw e;
    }
    res.writeHead(200, { 'Content-Length': 0, 'Cache-Control': 'no-store' });
    res.end();
  }

  async function download(disk: DiskInternals, token: string, req: IncomingMessage, res: ServerResponse) {
    const verified = disk.verify(token, 'get');
    if (!verified.ok) return refuse(res, verified.reason);
    const { key, exp, type, disp, fn } = verified.payload;
    const opened = await disk.open(key);
    if (!opened) return notFound(res);
    const maxAge = Math.max(0, exp - Math.ceil(disk.nowMs() / 1000));
    await sendBytes(req, res, opened.fh, opened.size, {
      'Content-Type': type,
      'Content-Disposition': contentDisposition(disp, fn),
      'Cache-Control': `private, max-age=${maxAge}`,
    });
  }

  async function servePublic(disk: DiskInternals, key: string, req: IncomingMessage, res: ServerResponse) {
    if (!isValidKey(key)) return notFound(res);
    const opened = await disk.open(key);
    if (!opened) return notFound(res);
    await sendBytes(req, res, opened.fh, opened.size, {
      'Content-Type': opened.contentType ?? 'application/octet-stream',
      'Cache-Control': PUBLIC_CACHE,
    });
  }

  /** The whole object or one range of it; owns `fh` and closes it. */
  async function sendBytes(
    req: IncomingMessage,
    res: ServerResponse,
    fh: FileHandle,
    size: number,
    headers: OutgoingHttpHeaders,
  ): Promise<void> {
    let handedOff = false;
    try {
      const common = { ...headers, ...CONTENT_HEADERS, 'Accept-Ranges': 'bytes' };
      const range = parseRange(req.headers.range, size);
      if (range.kind === 'unsatisfiable')
        return sendError(res, 416, 'VALIDATION', 'Range not satisfiable.', {
          ...CONTENT_HEADERS,
          'Content-Range': `bytes */${size}`,
        });
      const [start, end] = range.kind === 'range' ? [range.start, range.end] : [0, size - 1];
      res.writeHead(range.kind === 'range' ? 206 : 200, {
        ...common,
        'Content-Length': end - start + 1,
        ...(range.kind === 'range' ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
      });
      if (req.method === 'HEAD' || size === 0) {
        res.end();
        return;
      }
      handedOff = true; // the stream closes the handle when it ends or is destroyed
      await pipeline(fh.createReadStream({ start, end }), res).catch((e: unknown) => {
        // A client that stops reading (closed tab, seek in a video) is routine, not an error.
        log.debug({ err: e }, 'download ended early');
      });
    } finally {
      if (!handedOff) await fh.close();
    }
  }

  function refuse(res: ServerResponse, reason: 'malformed' | 'signature' | 'expired' | 'operation'): void {
    sendError(res, 403, 'FORBIDDEN', reason === 'expired' ? 'This link has expired.' : 'Invalid link.', {
      Connection: 'close',
    });
  }

  return async (req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith('/media/')) return false;
    // Writes to a socket the client closed surface here; without a listener they would crash the process.
    res.on('error', (e) => log.debug({ err: e }, 'media response failed'));
    try {
      await route(req, res);
    } catch (e) {
      log.error({ err: e, url: path.split('?', 1)[0] }, 'media request failed');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
      else res.destroy();
    }
    return true;
  };
}
