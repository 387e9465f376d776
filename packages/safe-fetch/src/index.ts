/**
 * @gochat/safe-fetch: GET a third-party URL for a link preview without letting the URL reach
 * anything it should not, or cost more than it should.
 *
 * Guarantees of `createSafeFetcher().fetch(url)`:
 * - Only http: and https: URLs of at most 2 048 characters, without credentials, on an allowed port
 *   (80 and 443 by default). Each redirect is checked the same way before it is followed, up to
 *   `maxRedirects` (5).
 * - No private, loopback, link-local (169.254.169.254), CGNAT, multicast, reserved, IPv4-mapped or
 *   IPv4-compatible address is connected to. request-filtering-agent checks every address at
 *   connect time, after DNS resolution, so a host that resolves (or re-resolves, DNS rebinding) to
 *   such an address is refused too. IPv4 written in decimal, octal or hex is normalised by WHATWG
 *   URL first. `allowAddresses` exempts addresses for test deployments only.
 * - A body is read only if its status is 2xx and its content type accepted; it is decoded (gzip,
 *   deflate, br) and the decoded size capped at `maxBodyBytes`: the fetch stops at the cap and never
 *   holds more. A Content-Length over the cap is refused before reading.
 * - `connectTimeoutMs` bounds each connection, `totalTimeoutMs` the whole fetch with redirects and
 *   body. On every failure the sockets are destroyed.
 * - Every failure is a SafeFetchError: a `code`, the `url` of the hop that failed, a readable message
 *   and, for BLOCKED_ADDRESS, the refused `address`. Nothing is logged here.
 */
export { createSafeFetcher, type SafeFetcher, type SafeResponse } from './safe-fetch.ts';
export { SafeFetchError, type SafeFetchErrorCode } from './errors.ts';
export {
  DEFAULT_ACCEPT_TYPES,
  DEFAULT_USER_AGENT,
  type FetchCallOptions,
  type SafeFetchOptions,
} from './options.ts';
