import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { createAddressGuard } from './address-guard.ts';
import { isAccepted, acceptHeader, mediaTypeOf } from './content-type.ts';
import { startDeadline } from './deadline.ts';
import { SafeFetchError } from './errors.ts';
import { exchange, type ExchangeContext } from './exchange.ts';
import { requireInteger, resolveOptions, type FetchCallOptions, type SafeFetchOptions } from './options.ts';
import { ACCEPT_ENCODING, BodyReadError, readBody } from './read-body.ts';
import { parseTarget } from './target-url.ts';

export interface SafeResponse {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  /** The Content-Type header as sent, parameters (charset) included. */
  contentType: string;
  /** Response headers, lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The decoded body (gzip, deflate and br undone). */
  body: Buffer;
  /** Each URL that answered with a redirect, in order, starting with the requested one. */
  redirects: string[];
}

export interface SafeFetcher {
  fetch(url: string, options?: FetchCallOptions): Promise<SafeResponse>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Headers a caller may not set: they describe the connection and the encoding this package decodes. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'accept-encoding',
  'content-length',
  'transfer-encoding',
  'te',
  'upgrade',
]);

export function createSafeFetcher(options: SafeFetchOptions = {}): SafeFetcher {
  const config = resolveOptions(options);
  const guard = createAddressGuard(config.allowAddresses, config.lookup);

  async function fetch(requested: string, call: FetchCallOptions = {}): Promise<SafeResponse> {
    const maxBodyBytes = call.maxBodyBytes ?? config.maxBodyBytes;
    requireInteger('maxBodyBytes', maxBodyBytes, 0);
    const acceptTypes = call.acceptTypes ?? config.acceptTypes;
    const ownHeaders = {
      'user-agent': config.userAgent,
      accept: acceptHeader(acceptTypes),
    };
    const callerHeaders = withoutReserved(call.headers ?? {});

    let url = parseTarget(requested, config.ports);
    const origin = url.origin;
    const redirects: string[] = [];
    const deadline = startDeadline(url.href, config.totalTimeoutMs, [config.signal, call.signal]);
    const context: ExchangeContext = {
      guard,
      connectTimeoutMs: config.connectTimeoutMs,
      signal: deadline.signal,
    };
    try {
      for (;;) {
        const headers = {
          ...ownHeaders,
          ...(url.origin === origin ? callerHeaders : {}),
          'accept-encoding': ACCEPT_ENCODING,
        };
        const hop = url;
        const outcome = await exchange(hop, headers, context, async (response) => {
          const location = response.headers.location;
          if (REDIRECT_STATUSES.has(response.statusCode ?? 0) && location !== undefined) {
            return { redirectTo: location };
          }
          return { response: await readResponse(hop, response, maxBodyBytes, acceptTypes) };
        });
        if (outcome.response) return { ...outcome.response, redirects };
        if (redirects.length >= config.maxRedirects) {
          const message = `more than ${config.maxRedirects} redirects`;
          throw new SafeFetchError('TOO_MANY_REDIRECTS', hop.href, message);
        }
        redirects.push(hop.href);
        url = parseTarget(outcome.redirectTo, config.ports, hop);
      }
    } finally {
      deadline.dispose();
    }
  }

  return { fetch };
}

/** Status, type and size are judged from the headers; only an acceptable body is read. */
async function readResponse(
  url: URL,
  response: IncomingMessage,
  maxBodyBytes: number,
  acceptTypes: readonly string[],
): Promise<Omit<SafeResponse, 'redirects'>> {
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    throw new SafeFetchError('HTTP_STATUS', url.href, `the server answered ${status}`, { status });
  }
  const contentType = response.headers['content-type'] ?? '';
  if (!isAccepted(mediaTypeOf(contentType), acceptTypes)) {
    const message = `the content type '${mediaTypeOf(contentType)}' is not accepted`;
    throw new SafeFetchError('UNSUPPORTED_TYPE', url.href, message);
  }
  const declaredLength = Number(response.headers['content-length'] ?? 0);
  if (declaredLength > maxBodyBytes) throw tooLarge(url, maxBodyBytes);
  try {
    const body = await readBody(response, response.headers['content-encoding'], maxBodyBytes);
    return { url: url.href, status, contentType, headers: flatten(response.headers), body };
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error;
    switch (error.failure) {
      case 'TOO_LARGE':
        throw tooLarge(url, maxBodyBytes);
      case 'UNSUPPORTED_ENCODING':
        throw new SafeFetchError('UNSUPPORTED_TYPE', url.href, 'the content encoding is not supported');
      case 'UNDECODABLE':
        throw new SafeFetchError('NETWORK', url.href, 'the response body could not be decompressed');
    }
  }
}

function tooLarge(url: URL, maxBodyBytes: number) {
  return new SafeFetchError('TOO_LARGE', url.href, `the body is larger than ${maxBodyBytes} bytes`);
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function withoutReserved(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !RESERVED_HEADERS.has(name.toLowerCase())),
  );
}
