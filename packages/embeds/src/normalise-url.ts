import { MAX_URL_LENGTH } from './limits.ts';

/**
 * The one form of a link this package hands out: the cache key, the URL fetched and the `url` shown
 * in an embed. The WHATWG parser already lowercases the host, converts an internationalised host to
 * punycode (so a reader sees `xn--` rather than a look-alike of a familiar name), drops the default
 * port and percent-encodes what needs it. On top of that the fragment goes (servers never see it, so
 * `page#a` and `page#b` are one preview) and so do credentials (`https://bank.com@evil.example` is a
 * link to evil.example, and a password never belongs in a cache key or a fetch). The query stays:
 * it usually selects the content (`watch?v=`).
 *
 * Returns null for anything that is not an absolute http(s) URL with a host, or is longer than
 * MAX_URL_LENGTH before or after normalising.
 */
export function normaliseUrl(url: string): string | null {
  if (url.length > MAX_URL_LENGTH) return null;
  const parsed = parseHttpUrl(url);
  if (parsed === null) return null;
  parsed.hash = '';
  parsed.username = '';
  parsed.password = '';
  return parsed.href.length > MAX_URL_LENGTH ? null : parsed.href;
}

/** `url` (relative to `base`, if given) as a URL object when it is http(s) with a host, else null. */
export function parseHttpUrl(url: string, base?: string | URL): URL | null {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return parsed.hostname === '' ? null : parsed;
}
