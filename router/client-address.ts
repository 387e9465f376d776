/**
 * The client's address: the TCP peer, or with trustProxy the first X-Forwarded-For hop (the proxy in
 * front of the router wrote it). Without trustProxy the header is ignored: clients can set it freely.
 */
export function clientAddress(
  forwardedFor: string | string[] | null | undefined,
  peerAddress: string | undefined,
  trustProxy: boolean,
): string | undefined {
  if (trustProxy) {
    const header = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
    const first = header?.split(',')[0]?.trim();
    if (first) return first;
  }
  return peerAddress;
}
