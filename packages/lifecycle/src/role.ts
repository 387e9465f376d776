import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** What the HTTP host knows about a request that the Request object does not carry. */
export interface RequestContext {
  /** The TCP peer's address. */
  clientIp?: string | undefined;
  /**
   * The request-target as the client sent it (`/a/../b?x`): the Request's URL has its dot segments
   * resolved already, so only this shows a path that tried to climb (the router's static files).
   */
  rawTarget?: string | undefined;
}

/**
 * A deployable unit: the router, a subgraph or a worker. The host serves /health, /ready and /metrics.
 * Which roles exist is the application's registry (cli/registry.ts); here a role's name is any string.
 */
export interface Role {
  readonly name: string;
  /** Every other HTTP route of the role, as a fetch handler, so it can be called in-process too. */
  fetch(request: Request, context?: RequestContext): Promise<Response>;
  /** WebSocket upgrades (the router's graphql-ws). */
  onUpgrade?(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Routes served on Node's request and response directly, ahead of fetch: bodies that stream to or
   * from disk (the router's file uploads and downloads). Returns true when it took the request.
   */
  onNodeRequest?(request: IncomingMessage, response: ServerResponse): boolean;
}

/**
 * How one role reaches another: over HTTP in microservice mode, or by calling the other role's
 * fetch handler in the monolith. Callers build the Request the same way either way.
 */
export type ServiceLink = (request: Request) => Promise<Response>;

/** A role's links to the subgraphs, by subgraph name. */
export type ServiceLinks = Readonly<Record<string, ServiceLink>>;

/**
 * A copy of a request with another URL and/or headers. Built from its parts because the HTTP host
 * (@whatwg-node/server) and undici have different Request classes that do not accept each other.
 */
export async function rebuildRequest(
  request: Request,
  changes: { url?: string | URL; headers?: Headers } = {},
): Promise<Request> {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return new Request(changes.url ?? request.url, {
    method: request.method,
    headers: changes.headers ?? request.headers,
    redirect: 'manual',
    ...(hasBody ? { body: await request.arrayBuffer() } : {}),
  });
}

export function httpLink(baseUrl: string): ServiceLink {
  const base = new URL(baseUrl);
  return async (request) => {
    const url = new URL(request.url);
    url.protocol = base.protocol;
    url.host = base.host;
    url.pathname = base.pathname.replace(/\/$/, '') + url.pathname;
    return fetch(await rebuildRequest(request, { url }), { redirect: 'manual' });
  };
}

export function inProcessLink(role: Pick<Role, 'fetch'>): ServiceLink {
  return (request) => role.fetch(request);
}

/**
 * A role that cannot run on this machine (a missing optional component, such as mediasoup's worker
 * for the SFU). Alone in its process, the process exits 2 with the message; among other roles (the
 * embedded `all`), the others run without it and the message is logged once (info).
 */
export class RoleUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoleUnavailableError';
  }
}
