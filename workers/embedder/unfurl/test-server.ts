// Test support: a real HTTP server on 127.0.0.1 for the unfurler to fetch from.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';

export type Route = (request: http.IncomingMessage, response: http.ServerResponse, url: URL) => void;
/** A route that does not look at the URL. */
export type Responder = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export interface TestServer {
  port: number;
  origin: string;
  /** http://127.0.0.1:<port><path> */
  url(path: string): string;
  /** Requests received for a path (query ignored), or for all paths. */
  hits(path?: string): number;
  close(): Promise<void>;
}

/** Routes by path; an unknown path answers 404. */
export async function startTestServer(routes: Record<string, Route>): Promise<TestServer> {
  const paths: string[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    paths.push(url.pathname);
    const route = routes[url.pathname];
    if (route) return route(request, response, url);
    response.writeHead(404, { 'content-type': 'text/html' });
    response.end('<title>not found</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    url: (path) => `${origin}${path}`,
    hits: (path) => (path === undefined ? paths.length : paths.filter((p) => p === path).length),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function html(body: string, contentType = 'text/html; charset=utf-8'): Responder {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': contentType });
    response.end(body);
  };
}

export function bytes(body: Buffer, contentType: string): Responder {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
    response.end(body);
  };
}

export function redirect(location: string): Responder {
  return (_request, response) => {
    response.writeHead(302, { location });
    response.end();
  };
}

/** Writes `chunk` for as long as the client reads, until the connection closes. */
export function streamForever(contentType: string, chunk: Buffer): Responder {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': contentType });
    const write = () => {
      while (!response.destroyed && response.write(chunk));
    };
    response.on('drain', write);
    write();
  };
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * A complete, valid PNG of width×height black pixels at one bit per pixel: tens of KB on disk
 * (20000×20000 is about 50 KB) that would decode to width×height pixels.
 */
export function solidBombPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(1, 8); // bit depth 1
  header.writeUInt8(0, 9); // greyscale
  const scanlines = Buffer.alloc(height * (1 + Math.ceil(width / 8))); // filter 0, black pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(scanlines, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
