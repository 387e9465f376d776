import type http from 'node:http';

import type { Logger, Registry } from '@gochat/log';
import { createServerAdapter } from '@whatwg-node/server';

import { handleHealth } from './health.ts';
import { startHttpServer, type RunningHttpServer } from './http-server.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Role } from './role.ts';

export interface ServeOptions {
  host: string;
  port: number;
  log: Logger;
  lifecycle: Lifecycle;
  metrics: Registry;
}

/** Puts a role on a port, with /health, /ready and /metrics next to its own routes. */
export function serveRole(role: Role, options: ServeOptions): Promise<RunningHttpServer> {
  const adapter = createServerAdapter<{ req: http.IncomingMessage }>((request, server) =>
    role.fetch(request, { clientIp: server.req.socket.remoteAddress }),
  );
  const handler: http.RequestListener = (req, res) => {
    if (handleHealth(req, res, options.lifecycle)) return;
    if ((req.url ?? '').split('?')[0] === '/metrics') {
      void options.metrics.metrics().then((text) => {
        res.writeHead(200, { 'content-type': options.metrics.contentType });
        res.end(text);
      });
      return;
    }
    void adapter(req, res);
  };
  return startHttpServer({
    name: role.name,
    host: options.host,
    port: options.port,
    log: options.log,
    lifecycle: options.lifecycle,
    handler,
    ...(role.onUpgrade ? { onUpgrade: role.onUpgrade.bind(role) } : {}),
  });
}
