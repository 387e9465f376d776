import type http from 'node:http';

import type { Lifecycle } from './lifecycle.ts';

/** Serves /health (the process is alive) and /ready (it can take work). Returns true when handled. */
export function handleHealth(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  lifecycle: Lifecycle,
): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/health') {
    sendJson(res, 200, { status: 'ok' });
    return true;
  }
  if (path === '/ready') {
    void lifecycle.readiness().then((report) => sendJson(res, report.ready ? 200 : 503, report));
    return true;
  }
  return false;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
