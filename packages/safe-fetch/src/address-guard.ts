import * as dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/*
 * request-filtering-agent refuses, at connect time and after DNS resolution, every address that
 * ipaddr.js does not call 'unicast': loopback, RFC 1918, CGNAT 100.64/10, link-local (so
 * 169.254.169.254), multicast, broadcast, 0/8 and ::, unique-local fc00::/7, IPv4-mapped ::ffff:0:0/96,
 * NAT64, 6to4, Teredo and the documentation and reserved blocks. The lists below are the gaps.
 */

/**
 * Single public addresses that are really platform endpoints. The guard compares these as text, so
 * they go to its denyIPAddressList. 168.63.129.16 is Azure's WireServer, reachable from every VM.
 */
const DENIED_ADDRESSES = ['168.63.129.16'];

/**
 * Ranges ipaddr.js calls 'unicast' that no link preview may reach: ::/96 holds the deprecated
 * IPv4-compatible addresses (WHATWG URL turns http://[::127.0.0.1]/ into [::7f00:1]), which a host
 * with an automatic tunnel would deliver to the embedded IPv4 address.
 *
 * These are not given to the guard's denyIPAddressList: it matches every CIDR there against every
 * address with ipaddr.js, which throws when the families differ, and the guard then console.warns on
 * each IPv4 connection. subnetMatch compares only same-family ranges.
 */
const DENIED_RANGES: Parameters<typeof ipaddr.subnetMatch>[1] = {
  ipv4Compatible: [ipaddr.parseCIDR('::/96')],
};

export interface AddressGuard {
  agentFor(url: URL): RequestFilteringHttpAgent | RequestFilteringHttpsAgent;
  /** The DNS lookup a request must use: the caller's (or dns.lookup), refusing DENIED_RANGES. */
  lookup: LookupFunction;
}

/** An address refused by this package's own range list (the guard's own refusals are plain Errors). */
export class RefusedAddress extends Error {
  constructor(readonly address: string) {
    super(`${address} is in a refused range`);
  }
}

/**
 * One http and one https agent for a fetcher. keepAlive stays off: every hop dials afresh, so each
 * connection goes through the guard, and nothing idles in a pool after a fetch.
 */
export function createAddressGuard(allowAddresses: readonly string[], lookup?: LookupFunction): AddressGuard {
  const filter = {
    keepAlive: false,
    allowIPAddressList: allowAddresses.map(allowEntry),
    denyIPAddressList: DENIED_ADDRESSES,
  };
  const http = new RequestFilteringHttpAgent(filter);
  const https = new RequestFilteringHttpsAgent(filter);
  return {
    agentFor: (url) => (url.protocol === 'https:' ? https : http),
    lookup: refusingDeniedRanges(lookup ?? dns.lookup),
  };
}

/**
 * A literal IP host is dialled without a lookup, so DENIED_RANGES is checked on it here; the guard
 * checks the rest of its list itself at connect time.
 */
export function refusedLiteral(host: string): string | undefined {
  return isIP(host) !== 0 && inDeniedRange(host) ? host : undefined;
}

/**
 * The refused address, when `error` is a refusal by the guard or by this package; undefined for any
 * other failure. The guard's refusals carry no code, only the message
 * `DNS lookup <address>(family:…, host:…) is not allowed. …`, pinned by this package's tests.
 */
export function refusedAddressOf(error: unknown): string | undefined {
  if (error instanceof RefusedAddress) return error.address;
  if (!(error instanceof Error)) return undefined;
  const match = /^DNS lookup (.+?)\(family:.*\bis not allowed\b/.exec(error.message);
  return match?.[1];
}

function inDeniedRange(address: string): boolean {
  return ipaddr.subnetMatch(ipaddr.parse(address), DENIED_RANGES, 'allowed') !== 'allowed';
}

function refusingDeniedRanges(lookup: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address);
      const refused = addresses.find((candidate) => isIP(candidate) !== 0 && inDeniedRange(candidate));
      if (refused !== undefined) return callback(new RefusedAddress(refused), address, family);
      callback(null, address, family);
    });
  };
}

/**
 * One allowAddresses entry in the form the guard matches without warnings: a single address (also
 * written as /32 or /128) becomes plain text, which the guard compares as such; a real CIDR is kept
 * (and only ever matched against its own family without a console.warn: see the package's limits).
 */
function allowEntry(entry: string): string {
  try {
    if (!entry.includes('/')) return ipaddr.parse(entry).toString();
    const [address, prefix] = ipaddr.parseCIDR(entry);
    const single = prefix === (address.kind() === 'ipv4' ? 32 : 128);
    return single ? address.toString() : `${address.toString()}/${prefix}`;
  } catch {
    throw new TypeError(`allowAddresses: '${entry}' is not an IP address or CIDR`);
  }
}
