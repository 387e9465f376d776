import { SafeFetchError } from './errors.ts';

/** Longer URLs are refused: no real page needs more, and a long one is an attack on someone's parser. */
export const MAX_URL_LENGTH = 2_048;

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * Parses and checks one URL to fetch: the requested one, or a redirect's Location resolved against
 * the URL that sent it. WHATWG URL parsing does the normalising that matters for safety: IPv4 in
 * decimal, octal or hex (`2130706433`, `0177.0.0.1`, `0x7f.1`) becomes `127.0.0.1`, IPv6 is
 * compressed, and IDN hosts become punycode, so the address guard sees what will really be dialled.
 */
export function parseTarget(raw: string, allowedPorts: ReadonlySet<number>, base?: URL): URL {
  if (raw.length > MAX_URL_LENGTH) throw badUrl(raw, `the URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw badUrl(raw, 'the URL could not be parsed');
  }
  if (url.href.length > MAX_URL_LENGTH) {
    throw badUrl(url.href, `the URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined) {
    // javascript:, data:, file:, ftp: … would not be fetched over the network, or not safely.
    throw new SafeFetchError('BAD_SCHEME', url.href, `the scheme ${url.protocol} is not fetched`);
  }
  if (url.hostname === '') throw badUrl(url.href, 'the URL has no host');
  // Credentials in a link are either a phishing trick or someone's secret; neither is sent.
  if (url.username !== '' || url.password !== '') throw badUrl(url.href, 'the URL contains credentials');
  const port = url.port === '' ? defaultPort : Number(url.port);
  if (!allowedPorts.has(port)) throw new SafeFetchError('BAD_PORT', url.href, `port ${port} is not allowed`);
  return url;
}

/** The host as node:http wants it: IPv6 literals without their brackets. */
export function dialHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export function portOf(url: URL): number {
  return url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port);
}

function badUrl(url: string, reason: string) {
  return new SafeFetchError('BAD_URL', url, reason);
}
