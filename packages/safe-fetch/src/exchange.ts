import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressGuard } from './address-guard.ts';
import { refusedLiteral } from './address-guard.ts';
import { SafeFetchError } from './errors.ts';
import { fromNetworkError } from './network-error.ts';
import { dialHost, portOf } from './target-url.ts';

export interface ExchangeContext {
  guard: AddressGuard;
  connectTimeoutMs: number;
  /** The fetch's deadline; its reason is a SafeFetchError (TIMEOUT or ABORTED). */
  signal: AbortSignal;
}

/**
 * One GET of one URL (no redirects). `handle` gets the response once its headers are in and decides
 * what to read; whatever it returns or throws, the request and its socket are destroyed afterwards,
 * so an unread body is never drained and nothing outlives the hop. Every failure is a SafeFetchError
 * naming this URL.
 */
export async function exchange<T>(
  url: URL,
  headers: Record<string, string>,
  context: ExchangeContext,
  handle: (response: http.IncomingMessage) => Promise<T>,
): Promise<T> {
  const host = dialHost(url);
  const refused = refusedLiteral(host);
  if (refused !== undefined) {
    throw new SafeFetchError('BLOCKED_ADDRESS', url.href, `the address ${refused} may not be fetched`, {
      address: refused,
    });
  }
  const { signal } = context;
  if (signal.aborted) throw forThisUrl(signal.reason, url);

  // Created outside the try: invalid caller headers throw here, as the programming errors they are.
  const request = (url.protocol === 'https:' ? https : http).request({
    protocol: url.protocol,
    host,
    port: portOf(url),
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers,
    agent: context.guard.agentFor(url),
    lookup: context.guard.lookup,
  });
  const abort = () => request.destroy(forThisUrl(signal.reason, url));
  signal.addEventListener('abort', abort, { once: true });
  const connectTimer = limitConnect(request, url, context.connectTimeoutMs);
  try {
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      // Stays attached: a late socket error after the hop is over must not become an uncaught one.
      request.on('error', reject);
      request.once('response', resolve);
      request.end();
    });
    return await handle(response);
  } catch (error) {
    // The deadline wins: a body cut short by it fails with TIMEOUT, not with the reset it causes.
    throw signal.aborted ? forThisUrl(signal.reason, url) : fromNetworkError(error, url.href);
  } finally {
    clearTimeout(connectTimer);
    signal.removeEventListener('abort', abort);
    request.destroy();
  }
}

/** TIMEOUT when the socket is not connected (lookup included) within `connectTimeoutMs`. */
function limitConnect(request: http.ClientRequest, url: URL, connectTimeoutMs: number): NodeJS.Timeout {
  const timer = setTimeout(() => {
    const message = `no connection within ${connectTimeoutMs} ms`;
    request.destroy(new SafeFetchError('TIMEOUT', url.href, message));
  }, connectTimeoutMs);
  request.once('socket', (socket) => {
    if (socket.connecting) socket.once('connect', () => clearTimeout(timer));
    else clearTimeout(timer);
  });
  return timer;
}

/** The deadline's reason, naming the hop that was under way rather than the first URL. */
function forThisUrl(reason: unknown, url: URL): SafeFetchError {
  if (!(reason instanceof SafeFetchError)) return fromNetworkError(reason, url.href);
  return new SafeFetchError(reason.code, url.href, reason.message);
}
