import type http from 'node:http';

import type { Logger, Registry } from '@gochat/log';
import { createServerAdapter } from '@whatwg-node/server';

import { handleHealth, sendJson } from './health.ts';
import { startHttpServer, type RunningHttpServer } from './http-server.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Role } from './role.ts';

export interface ServeOptions {
  host: string;
  port: number;
  /** Set: /metrics is served on this port alone (0: any free port), and not on `port`. */
  metricsPort?: number | undefined;
  log: Logger;
  lifecycle: Lifecycle;
  metrics: Registry;
}

export interface ServedRole extends RunningHttpServer {
  /** Where /metrics is served: the role's own URL, or the metrics port's. */
  metricsUrl: string;
}

const pathOf = (req: http.IncomingMessage) => (req.url ?? '').split('?')[0];

function serveMetrics(res: http.ServerResponse, registry: Registry): void {
  void registry.metrics().then((text) => {
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(text);
  });
}

/**
 * Puts a role on a port, with /health and /ready next to its own routes, and /metrics there too or,
 * with a metrics port, on that port alone (so a public listener never exposes it).
 */
export async function serveRole(role: Role, options: ServeOptions): Promise<ServedRole> {
  const separateMetrics = options.metricsPort !== undefined;
  const adapter = createServerAdapter<{ req: http.IncomingMessage }>((request, server) =>
    role.fetch(request, { clientIp: server.req.socket.remoteAddress, rawTarget: server.req.url }),
  );
  const handler: http.RequestListener = (req, res) => {
    if (handleHealth(req, res, options.lifecycle)) return;
    if (role.onNodeRequest?.(req, res)) return;
    // With a metrics port, /metrics does not exist here: the role answers it as any unknown path.
    if (!separateMetrics && pathOf(req) === '/metrics') serveMetrics(res, options.metrics);
    else void adapter(req, res);
  };
  const served = await startHttpServer({
    name: role.name,
    host: options.host,
    port: options.port,
    log: options.log,
    lifecycle: options.lifecycle,
    handler,
    ...(role.onUpgrade ? { onUpgrade: role.onUpgrade.bind(role) } : {}),
  });
  if (!separateMetrics) return { ...served, metricsUrl: served.url };
  const metrics = await startHttpServer({
    name: `${role.name} metrics`,
    host: options.host,
    port: options.metricsPort!,
    log: options.log,
    lifecycle: options.lifecycle,
    handler: (req, res) => {
      if (pathOf(req) === '/metrics') serveMetrics(res, options.metrics);
      else sendJson(res, 404, { error: 'Only /metrics is served here.' });
    },
  });
  return { ...served, metricsUrl: metrics.url };
}
