import { STATUS_CODES } from 'node:http';

import { IDENTITY_HEADER, type IdentitySigner } from '@gochat/identity';
import type { RequestContext, ServiceLink } from '@gochat/lifecycle';

import { clientAddress } from './client-address.ts';
import { UNSTORABLE_TEXT_MESSAGE, isStorableText, unstorableTextPath } from './text-check.ts';
import { isWebClientPath, type WebClient } from './web-client.ts';
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

// When the body was not read to its end the connection cannot carry another request.
const tooLarge = (limit: number, drained: boolean) =>
  errorResponse(
    413,
    'PAYLOAD_TOO_LARGE',
    `Bodies are limited to ${limit} bytes.`,
    drained ? {} : { connection: 'close' },
  );

/**
 * Reads at most `limit` bytes of the body. Past the limit it keeps reading and discarding, up to
 * `discardLimit`: a client still uploading when it gets a 413 sees a broken pipe instead of the
 * answer, so a moderately oversized body is drained first; a huge one is cut off.
 */
async function readLimited(
  request: Request,
  limit: number,
  discardLimit: number,
): Promise<{ body: Buffer } | { tooLarge: true; drained: boolean }> {
  if (!request.body) return { body: Buffer.alloc(0) };
  const reader = request.body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return size > limit ? { tooLarge: true, drained: true } : { body: Buffer.concat(chunks) };
    size += value.byteLength;
    if (size > discardLimit) {
      await reader.cancel();
      return { tooLarge: true, drained: false };
    }
    if (size <= limit) chunks.push(Buffer.from(value));
    else chunks.length = 0;
  }
}

const declaredWithin = (request: Request, limit: number) =>
  Number(request.headers.get('content-length') ?? NaN) <= limit;

/**
 * The field of a better-auth call (query parameter, JSON or form body) holding text PostgreSQL cannot
 * store (a NUL) or that is no Unicode (an unpaired surrogate): better-auth would fail on it with a 500.
 */
async function unstorableAuthInput(request: Request): Promise<string | undefined> {
  const query = unstorableParam(new URL(request.url).searchParams);
  if (query !== undefined) return query;
  const type = request.headers.get('content-type') ?? '';
  if (/^application\/x-www-form-urlencoded\b/i.test(type))
    return unstorableParam(new URLSearchParams(await request.clone().text()));
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(await request.clone().text());
  } catch {
    return undefined; // not JSON: better-auth answers that itself
  }
  return unstorableTextPath(body);
}

const unstorableParam = (params: URLSearchParams): string | undefined =>
  [...params].find(([name, value]) => !isStorableText(name) || !isStorableText(value))?.[0];

/**
 * The router's HTTP routes: /graphql (Yoga over the gateway), /api/auth/* (proxied to the accounts
 * role with the client's address in a signed identity) and, when given, the web client at GET and
 * HEAD of every other path. Bodies are size-limited before anything parses them.
 */
export function createRouterHttp(options: {
  yoga: RouterYoga;
  accounts: ServiceLink;
  signer: IdentitySigner;
  maxBodyBytes: number;
  trustProxy: boolean;
  /** Unset: an API-only router, every other path answers 404. */
  webClient?: WebClient | undefined;
}) {
  const { yoga, accounts, signer, maxBodyBytes } = options;

  const clientIp = (request: Request, context?: RequestContext) =>
    clientAddress(request.headers.get('x-forwarded-for'), context?.clientIp, options.trustProxy);

  const withLimitedBody = async (request: Request): Promise<Request | Response> => {
    if (request.method === 'GET' || request.method === 'HEAD') return request;
    const declared = Number(request.headers.get('content-length') ?? NaN);
    const discardLimit = maxBodyBytes * 16;
    if (declared > discardLimit) return tooLarge(maxBodyBytes, false);
    const read = await readLimited(request, maxBodyBytes, discardLimit);
    if ('tooLarge' in read) return tooLarge(maxBodyBytes, read.drained);
    return new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: new Uint8Array(read.body),
    });
  };

  const proxyAuth = async (request: Request, ip: string | undefined): Promise<Response> => {
    const limited = await withLimitedBody(request);
    if (limited instanceof Response) return limited;
    const unstorable = await unstorableAuthInput(limited);
    if (unstorable !== undefined)
      return Response.json(
        { message: `${unstorable || 'body'}: ${UNSTORABLE_TEXT_MESSAGE}`, code: 'VALIDATION' },
        { status: 400 },
      );
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
      // better-auth's reason phrases are its codes ("BAD_REQUEST", "400", or none): send the standard one.
      statusText: STATUS_CODES[upstream.status] ?? '',
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
        // Node's HTTP parser delivers exactly the declared length, so such a body is bounded already:
        // Yoga reads it from the socket without a copy into another Request (decision 0036).
        const limited = declaredWithin(request, maxBodyBytes) ? request : await withLimitedBody(request);
        if (limited instanceof Response) return limited;
        return yoga.fetch(limited, { clientIp: ip });
      }
      if (
        options.webClient &&
        (request.method === 'GET' || request.method === 'HEAD') &&
        isWebClientPath(pathname)
      )
        return options.webClient.fetch(request, context);
      return errorResponse(404, 'NOT_FOUND', `No route for ${pathname}. GraphQL is served at /graphql.`);
    },
  };
}
