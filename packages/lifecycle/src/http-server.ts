import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

import type { Logger } from '@gochat/log';

import type { Lifecycle } from './lifecycle.ts';

export interface HttpServerOptions {
  host: string;
  port: number;
  name: string;
  log: Logger;
  lifecycle: Lifecycle;
  handler: http.RequestListener;
  onUpgrade?: (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface RunningHttpServer {
  server: http.Server;
  port: number;
  url: string;
}

/**
 * Listens, and registers a teardown that stops accepting, closes idle keep-alive connections, tells
 * busy ones to close after their response, and waits for in-flight requests to finish.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { lifecycle, log } = options;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    inFlight++;
    if (lifecycle.draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
    options.handler(req, res);
  });
  // Slow-loris and stuck clients must not hold the process open forever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  // Node's 5 s default races clients that reuse a pooled connection just as the server drops it: the
  // request is written onto a closing socket and fails with ECONNRESET (seen under load in CI). A long
  // idle window, as load balancers use, makes that race rare; idle sockets cost little and a drain
  // closes them at once.
  server.keepAliveTimeout = 65_000;
  if (options.onUpgrade) server.on('upgrade', options.onUpgrade);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url }, `${options.name}: listening`);

  lifecycle.defer(`${options.name} http server`, async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inFlight > 0) {
      log.info({ inFlight }, `${options.name}: waiting for in-flight requests`);
      await new Promise<void>((resolve) => {
        idle = resolve;
      });
    }
    server.closeIdleConnections();
    await closed;
  });
  return { server, port, url };
}
