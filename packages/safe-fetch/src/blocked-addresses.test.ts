import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeFetchError } from './errors.ts';
import { createSafeFetcher, type SafeFetcher } from './safe-fetch.ts';
import { fakeDns, startLoopbackServer, type LoopbackServer } from './testing/loopback-server.ts';

// Default options but for the ports (so the address, not the port, is what gets refused), short
// timeouts (so a refusal that came from a timeout would show) and fake DNS for the *.example names.
const CONNECT_TIMEOUT_MS = 1_000;

let server: LoopbackServer;
let fetcher: SafeFetcher;

beforeAll(async () => {
  server = await startLoopbackServer((_request, response) => response.end('you should not see me'));
  fetcher = createSafeFetcher({
    ports: [server.port, 80, 443],
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    totalTimeoutMs: 5_000,
    lookup: fakeDns({
      'public.example': ['127.0.0.1'],
      'rebound.example': ['93.184.215.14', '127.0.0.1'],
      'compat.example': ['::7f00:1'],
    }),
  });
});

afterAll(async () => {
  // Not one request got through to the loopback server.
  expect(server.requests).toEqual([]);
  await server.close();
});

async function refusal(url: string): Promise<SafeFetchError> {
  const started = performance.now();
  const error: unknown = await fetcher.fetch(url).then(
    () => expect.unreachable(`${url} was fetched`),
    (failure: unknown) => failure,
  );
  // Refused at lookup or before the TCP handshake, not by a timer running out.
  expect(performance.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS);
  expect(error).toBeInstanceOf(SafeFetchError);
  return error as SafeFetchError;
}

describe('with default options, private and special addresses are refused', () => {
  const P = () => server.port;
  it.each([
    ['loopback', () => `http://127.0.0.1:${P()}/`, '127.0.0.1'],
    ['IPv6 loopback', () => `http://[::1]:${P()}/`, '::1'],
    ['10/8', () => 'http://10.0.0.1/', '10.0.0.1'],
    ['172.16/12', () => 'http://172.16.0.1/', '172.16.0.1'],
    ['192.168/16', () => 'http://192.168.1.1/', '192.168.1.1'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['IPv4-mapped loopback', () => `http://[::ffff:127.0.0.1]:${P()}/`, '::ffff:7f00:1'],
    ['CGNAT 100.64/10', () => 'http://100.64.0.1/', '100.64.0.1'],
    ['decimal loopback', () => `http://2130706433:${P()}/`, '127.0.0.1'],
    ['octal loopback', () => `http://0177.0.0.1:${P()}/`, '127.0.0.1'],
    ['hex loopback', () => `http://0x7f.1:${P()}/`, '127.0.0.1'],
    ['a name resolving to loopback', () => `http://public.example:${P()}/`, '127.0.0.1'],
    ['a name with one public and one loopback answer', () => `http://rebound.example:${P()}/`, '127.0.0.1'],
    ['0.0.0.0', () => `http://0.0.0.0:${P()}/`, '0.0.0.0'],
    ['::', () => `http://[::]:${P()}/`, '::'],
    ['multicast', () => 'http://224.0.0.1/', '224.0.0.1'],
    ['broadcast', () => 'http://255.255.255.255/', '255.255.255.255'],
    ['IPv6 link-local', () => 'http://[fe80::1]/', 'fe80::1'],
    ['IPv6 unique-local (AWS metadata)', () => 'http://[fd00:ec2::254]/', 'fd00:ec2::254'],
    ['NAT64 of loopback', () => 'http://[64:ff9b::7f00:1]/', '64:ff9b::7f00:1'],
    ['IPv4-compatible loopback (added range)', () => `http://[::127.0.0.1]:${P()}/`, '::7f00:1'],
    ['a name resolving IPv4-compatible (added range)', () => `http://compat.example:${P()}/`, '::7f00:1'],
    ['Azure WireServer (added address)', () => 'http://168.63.129.16/', '168.63.129.16'],
    ['https to loopback', () => `https://127.0.0.1:${P()}/`, '127.0.0.1'],
  ])('%s', async (_name, url, address) => {
    const error = await refusal(url());
    expect(error.code).toBe('BLOCKED_ADDRESS');
    expect(error.address).toBe(address);
    expect(error.message).toBe(`the address ${address} may not be fetched`);
  });

  it('localhost, through the real resolver', async () => {
    const error = await refusal(`http://localhost:${server.port}/`);
    expect(error.code).toBe('BLOCKED_ADDRESS');
    expect(['127.0.0.1', '::1']).toContain(error.address);
  });

  it('a port outside the list is refused before any address is looked at', async () => {
    const error = await refusal('http://127.0.0.1:8080/');
    expect(error.code).toBe('BAD_PORT');
  });
});
