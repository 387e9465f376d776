import { IDENTITY_HEADER, type IdentitySigner } from '@gochat/identity';
import type { RequestContext, ServiceLink } from '@gochat/lifecycle';

import type { RouterYoga } from './yoga.ts';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
  'host',
];

const errorResponse = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Response.json({ errors: [{ message, extensions: { code } }] }, { status, headers });

// The body was not read to its end, so the connection cannot carry another request.
const tooLarge = (limit: number) =>
  errorResponse(413, 'PAYLOAD_TOO_LARGE', `Bodies are limited to ${limit} bytes.`, { connection: 'close' });

/** Reads at most `limit` bytes of the body; undefined when it is larger. */
async function readLimited(request: Request, limit: number): Promise<Buffer | undefined> {
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * The router's HTTP routes: /graphql (Yoga over the gateway) and /api/auth/* (proxied to the
 * accounts role with the client's address in a signed identity). Bodies are size-limited before
 * anything parses them.
 */
export function createRouterHttp(options: {
  yoga: RouterYoga;
  accounts: ServiceLink;
  signer: IdentitySigner;
  maxBodyBytes: number;
  trustProxy: boolean;
}) {
  const { yoga, accounts, signer, maxBodyBytes } = options;

  const clientIp = (request: Request, context?: RequestContext) => {
    if (options.trustProxy) {
      const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
      if (forwarded) return forwarded;
    }
    return context?.clientIp;
  };

  const withLimitedBody = async (request: Request): Promise<Request | Response> => {
    if (request.method === 'GET' || request.method === 'HEAD') return request;
    const declared = Number(request.headers.get('content-length') ?? NaN);
    if (declared > maxBodyBytes) return tooLarge(maxBodyBytes);
    const body = await readLimited(request, maxBodyBytes);
    if (!body) return tooLarge(maxBodyBytes);
    return new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: new Uint8Array(body),
    });
  };

  const proxyAuth = async (request: Request, ip: string | undefined): Promise<Response> => {
    const limited = await withLimitedBody(request);
    if (limited instanceof Response) return limited;
    const headers = new Headers(limited.headers);
    for (const name of HOP_BY_HOP) headers.delete(name);
    headers.set(IDENTITY_HEADER, await signer.sign({ kind: 'anonymous', ...(ip ? { ip } : {}) }));
    // Never pass a client-supplied address on: the identity (and this header) carry ours.
    if (ip) headers.set('x-forwarded-for', ip);
    else headers.delete('x-forwarded-for');
    const hasBody = limited.method !== 'GET' && limited.method !== 'HEAD';
    const upstream = await accounts(
      new Request(limited.url, {
        method: limited.method,
        headers,
        redirect: 'manual',
        ...(hasBody ? { body: await limited.arrayBuffer() } : {}),
      }),
    );
    const responseHeaders = new Headers(upstream.headers);
    for (const name of HOP_BY_HOP) responseHeaders.delete(name);
    responseHeaders.delete('content-encoding');
    responseHeaders.delete('content-length');
    return new Response(upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: responseHeaders,
    });
  };

  return {
    clientIp,
    async fetch(request: Request, context?: RequestContext): Promise<Response> {
      const { pathname } = new URL(request.url);
      const ip = clientIp(request, context);
      if (pathname === '/api/auth' || pathname.startsWith('/api/auth/')) return proxyAuth(request, ip);
      if (pathname === '/graphql') {
        const limited = await withLimitedBody(request);
        if (limited instanceof Response) return limited;
        return yoga.fetch(limited, { clientIp: ip });
      }
      return errorResponse(404, 'NOT_FOUND', `No route for ${pathname}. GraphQL is served at /graphql.`);
    },
  };
}
