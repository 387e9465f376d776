import type { ServerResponse } from 'node:http';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SafeFetchError, type SafeFetchErrorCode } from './errors.ts';
import { createSafeFetcher, type SafeFetcher } from './safe-fetch.ts';
import {
  fakeDns,
  startLoopbackServer,
  streamForever,
  type LoopbackServer,
} from './testing/loopback-server.ts';

// A test deployment: the loopback server is allowed, and public.example resolves to it.
const CAP = 64 * 1024;
let server: LoopbackServer;
let fetcher: SafeFetcher;

const routes: Record<string, (response: ServerResponse, url: URL) => void> = {
  '/page': (response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.setHeader('x-extra', 'yes');
    response.end('<title>hello</title>');
  },
  '/chain': (response, url) => {
    const left = Number(url.searchParams.get('left'));
    redirect(response, left === 0 ? '/page' : `/chain?left=${left - 1}`);
  },
  '/loop': (response) => redirect(response, '/loop'),
  '/to': (response, url) => redirect(response, url.searchParams.get('location') ?? ''),
  '/silent': () => {},
  '/trickle': (response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    const timer = setInterval(() => response.write('.'), 20);
    response.on('close', () => clearInterval(timer));
  },
  '/missing': (response) => {
    response.statusCode = 404;
    response.setHeader('content-type', 'text/html');
    response.end('not here');
  },
  '/sized': (response, url) => {
    response.setHeader('content-type', url.searchParams.get('type') ?? 'text/html');
    response.end(Buffer.alloc(Number(url.searchParams.get('bytes')), 'b'));
  },
  '/encoded': (response, url) => {
    const encoding = url.searchParams.get('encoding') ?? '';
    const body = Buffer.from('<p>decoded</p>'.repeat(100));
    const encoders: Record<string, (input: Buffer) => Buffer> = {
      gzip: (input) => zlib.gzipSync(input),
      deflate: (input) => zlib.deflateSync(input),
      br: (input) => zlib.brotliCompressSync(input),
      compress: (input) => input,
      broken: () => Buffer.from('not gzip at all'),
    };
    response.writeHead(200, {
      'content-type': 'text/html',
      'content-encoding': encoding === 'broken' ? 'gzip' : encoding,
    });
    response.end(encoders[encoding]?.(body));
  },
  '/bomb': (response, url) => {
    const encoding = url.searchParams.get('encoding') === 'br' ? 'br' : 'gzip';
    response.writeHead(200, { 'content-type': 'text/html', 'content-encoding': encoding });
    response.end(encoding === 'br' ? brotliBomb : gzipBomb);
  },
};

// 50 MB of zeros: about 50 KB gzipped, 40 bytes with brotli.
const ZEROS = 50 * 1024 * 1024;
let gzipBomb: Buffer;
let brotliBomb: Buffer;

function streamHtml(response: ServerResponse) {
  response.setHeader('content-type', 'text/html');
  streamForever(response, Buffer.alloc(16 * 1024, 'a'));
}

/** Declares 10 MB, sends a few bytes, and waits. */
function declareHuge(response: ServerResponse) {
  response.writeHead(200, { 'content-type': 'text/html', 'content-length': String(10 * 1024 * 1024) });
  response.write('<html>');
}

function streamBinary(response: ServerResponse) {
  response.setHeader('content-type', 'application/octet-stream');
  streamForever(response, Buffer.alloc(16 * 1024));
}

function redirect(response: ServerResponse, location: string) {
  response.writeHead(302, { location });
  response.end();
}

beforeAll(async () => {
  const zeros = Buffer.alloc(ZEROS);
  gzipBomb = zlib.gzipSync(zeros, { level: 9 });
  brotliBomb = zlib.brotliCompressSync(zeros, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: ZEROS },
  });
  server = await startLoopbackServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://any');
    const route = routes[url.pathname];
    if (route) return route(response, url);
    response.statusCode = 500;
    response.end();
  });
  fetcher = createSafeFetcher({
    ports: [server.port, 80],
    allowAddresses: ['127.0.0.1/32'],
    maxBodyBytes: CAP,
    userAgent: 'GoChat-Embedder-Test/1.0',
    totalTimeoutMs: 2_000,
    lookup: fakeDns({ 'public.example': ['127.0.0.1'] }),
  });
});

afterAll(() => server.close());

/** A server of its own, for a test that waits for that server's connection to be cut off. */
async function ownServer(route: (response: ServerResponse) => void) {
  const own = await startLoopbackServer((_request, response) => route(response));
  const ownFetcher = createSafeFetcher({
    ports: [own.port],
    allowAddresses: ['127.0.0.1'],
    maxBodyBytes: CAP,
  });
  return { server: own, fetcher: ownFetcher };
}

async function failure(promise: Promise<unknown>, code: SafeFetchErrorCode): Promise<SafeFetchError> {
  const error: unknown = await promise.then(
    () => expect.unreachable('the fetch succeeded'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SafeFetchError);
  expect(error).toMatchObject({ code });
  // Nothing from the underlying failure is carried along.
  expect((error as Error).cause).toBeUndefined();
  return error as SafeFetchError;
}

describe('a fetch that succeeds', () => {
  it('returns status, content type, headers, body and the final URL', async () => {
    const response = await fetcher.fetch(server.url('/page'));
    expect(response).toMatchObject({
      url: server.url('/page'),
      status: 200,
      contentType: 'text/html; charset=utf-8',
      redirects: [],
    });
    expect(response.headers['x-extra']).toBe('yes');
    expect(response.body.toString()).toBe('<title>hello</title>');
  });

  it('identifies itself and asks only for encodings it can decode', async () => {
    const before = server.requests.length;
    await fetcher.fetch(server.url('/page'));
    expect(server.requests[before]?.headers).toMatchObject({
      'user-agent': 'GoChat-Embedder-Test/1.0',
      'accept-encoding': 'gzip, deflate, br',
    });
  });

  it('fetches a host name through DNS, sending its name as Host', async () => {
    const url = `http://public.example:${server.port}/page`;
    const before = server.requests.length;
    expect((await fetcher.fetch(url)).url).toBe(url);
    expect(server.requests[before]?.headers.host).toBe(`public.example:${server.port}`);
  });

  it.each(['gzip', 'deflate', 'br'])('decodes a %s body', async (encoding) => {
    const response = await fetcher.fetch(server.url(`/encoded?encoding=${encoding}`));
    expect(response.body.toString()).toBe('<p>decoded</p>'.repeat(100));
  });

  it('takes a body of exactly the cap', async () => {
    const response = await fetcher.fetch(server.url(`/sized?bytes=${CAP}`));
    expect(response.body.length).toBe(CAP);
  });
});

describe('redirects', () => {
  it('follows a chain of 3 and reports each URL that redirected', async () => {
    const response = await fetcher.fetch(server.url('/chain?left=2'));
    expect(response.url).toBe(server.url('/page'));
    expect(response.redirects).toEqual([
      server.url('/chain?left=2'),
      server.url('/chain?left=1'),
      server.url('/chain?left=0'),
    ]);
  });

  it('follows 5 but not 6', async () => {
    await expect(fetcher.fetch(server.url('/chain?left=4'))).resolves.toMatchObject({ status: 200 });
    await failure(fetcher.fetch(server.url('/chain?left=5')), 'TOO_MANY_REDIRECTS');
  });

  it('gives up on a loop', async () => {
    const error = await failure(fetcher.fetch(server.url('/loop')), 'TOO_MANY_REDIRECTS');
    expect(error.url).toBe(server.url('/loop'));
  });

  it.each([
    ['IPv6 loopback', () => `http://[::1]:${server.port}/`, '::1'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['another loopback address', () => `http://127.0.0.2:${server.port}/`, '127.0.0.2'],
  ])('refuses a redirect to %s', async (_name, target, address) => {
    // The allowed CIDR is IPv4 and ::1 is not: the guard must refuse it without console.warn noise.
    const warn = vi.spyOn(console, 'warn');
    const location = encodeURIComponent(target());
    const error = await failure(fetcher.fetch(server.url(`/to?location=${location}`)), 'BLOCKED_ADDRESS');
    expect(error).toMatchObject({ url: target(), address });
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it.each([
    ['javascript:alert(1)', 'BAD_SCHEME'],
    ['data:text/html,<script>alert(1)</script>', 'BAD_SCHEME'],
    ['file:///etc/passwd', 'BAD_SCHEME'],
    ['ftp://ftp.example/file', 'BAD_SCHEME'],
    ['http://127.0.0.1:1/', 'BAD_PORT'],
    ['http://user:secret@127.0.0.1/', 'BAD_URL'],
  ] as const)('refuses a redirect to %s', async (target, code) => {
    await failure(fetcher.fetch(server.url(`/to?location=${encodeURIComponent(target)}`)), code);
  });

  it('sends the caller headers to the first origin only', async () => {
    const crossOrigin = encodeURIComponent(`http://public.example:${server.port}/page`);
    const before = server.requests.length;
    await fetcher.fetch(server.url(`/to?location=${crossOrigin}`), { headers: { 'x-secret': 'token' } });
    const [first, second] = server.requests.slice(before);
    expect(first?.headers['x-secret']).toBe('token');
    expect(second?.headers['x-secret']).toBeUndefined();
    expect(second?.headers['user-agent']).toBe('GoChat-Embedder-Test/1.0');
  });
});

describe('size limits', () => {
  it('stops an endless body at the cap and closes the connection', async () => {
    const own = await ownServer(streamHtml);
    const started = performance.now();
    await failure(own.fetcher.fetch(own.server.url()), 'TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(1_500);
    await own.server.cutOff;
    await own.server.close();
  });

  it('refuses a declared Content-Length over the cap before reading', async () => {
    const own = await ownServer(declareHuge);
    const error = await failure(own.fetcher.fetch(own.server.url()), 'TOO_LARGE');
    expect(error.message).toBe(`the body is larger than ${CAP} bytes`);
    await own.server.cutOff;
    await own.server.close();
  });

  it('stops a body one byte over the cap', async () => {
    await failure(fetcher.fetch(server.url(`/sized?bytes=${CAP + 1}`)), 'TOO_LARGE');
  });

  it.each(['gzip', 'br'])('stops a %s bomb at the cap of decoded bytes', async (encoding) => {
    expect(gzipBomb.length).toBeLessThan(CAP);
    expect(brotliBomb.length).toBeLessThan(CAP);
    await failure(fetcher.fetch(server.url(`/bomb?encoding=${encoding}`)), 'TOO_LARGE');
  });

  it('takes a cap per call', async () => {
    await failure(fetcher.fetch(server.url('/sized?bytes=100'), { maxBodyBytes: 99 }), 'TOO_LARGE');
    const response = await fetcher.fetch(server.url(`/sized?bytes=${CAP + 1}`), { maxBodyBytes: CAP + 1 });
    expect(response.body.length).toBe(CAP + 1);
  });
});

describe('timeouts', () => {
  it('ends a fetch whose server never answers at the total timeout', async () => {
    const quick = createSafeFetcher({
      ports: [server.port],
      allowAddresses: ['127.0.0.1'],
      totalTimeoutMs: 300,
    });
    const started = performance.now();
    const error = await failure(quick.fetch(server.url('/silent')), 'TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(error.url).toBe(server.url('/silent'));
  });

  it('ends a trickling body at the total timeout', async () => {
    const quick = createSafeFetcher({
      ports: [server.port],
      allowAddresses: ['127.0.0.1'],
      totalTimeoutMs: 400,
    });
    const started = performance.now();
    await failure(quick.fetch(server.url('/trickle')), 'TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('ends a connection that does not come up at the connect timeout', async () => {
    const neverResolves = () => {};
    const quick = createSafeFetcher({ lookup: neverResolves, connectTimeoutMs: 200, totalTimeoutMs: 5_000 });
    const started = performance.now();
    const error = await failure(quick.fetch('http://hangs.example/'), 'TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(error.message).toBe('no connection within 200 ms');
  });

  it('ends every fetch with ABORTED once the fetcher signal aborts', async () => {
    const shutdown = new AbortController();
    const stopping = createSafeFetcher({
      ports: [server.port],
      allowAddresses: ['127.0.0.1'],
      signal: shutdown.signal,
    });
    const pending = stopping.fetch(server.url('/silent'));
    shutdown.abort();
    await failure(pending, 'ABORTED');
    await failure(stopping.fetch(server.url('/page')), 'ABORTED');
  });

  it('ends with ABORTED when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = fetcher.fetch(server.url('/silent'), { signal: controller.signal });
    controller.abort();
    await failure(pending, 'ABORTED');
  });
});

describe('refused responses', () => {
  it('refuses a content type it does not read, without reading the body', async () => {
    const own = await ownServer(streamBinary);
    const error = await failure(own.fetcher.fetch(own.server.url()), 'UNSUPPORTED_TYPE');
    expect(error.message).toBe("the content type 'application/octet-stream' is not accepted");
    await own.server.cutOff;
    await own.server.close();
  });

  it('takes accepted types per call', async () => {
    const url = server.url('/sized?bytes=3&type=image%2Fpng');
    await expect(fetcher.fetch(url, { acceptTypes: ['image/'] })).resolves.toMatchObject({ status: 200 });
    await failure(fetcher.fetch(url, { acceptTypes: ['text/html'] }), 'UNSUPPORTED_TYPE');
  });

  it('refuses a content encoding it did not ask for', async () => {
    await failure(fetcher.fetch(server.url('/encoded?encoding=compress')), 'UNSUPPORTED_TYPE');
  });

  it('reports a body that does not decompress', async () => {
    await failure(fetcher.fetch(server.url('/encoded?encoding=broken')), 'NETWORK');
  });

  it('reports a body cut short by the server as NETWORK, not as a shorter page', async () => {
    const own = await ownServer((response) => {
      response.writeHead(200, { 'content-type': 'text/html', 'content-length': '1000' });
      response.write('<html><head>');
      setImmediate(() => response.socket?.destroy());
    });
    await failure(own.fetcher.fetch(own.server.url()), 'NETWORK');
    await own.server.close();
  });

  it('reports a non-2xx status', async () => {
    const error = await failure(fetcher.fetch(server.url('/missing')), 'HTTP_STATUS');
    expect(error).toMatchObject({ status: 404, message: 'the server answered 404' });
  });

  it('reports a refused connection as NETWORK, in its own words', async () => {
    const gone = await startLoopbackServer(() => {});
    await gone.close();
    const closed = createSafeFetcher({ ports: [gone.port], allowAddresses: ['127.0.0.1'] });
    const error = await failure(closed.fetch(gone.url()), 'NETWORK');
    expect(error.message).toBe('the connection was refused');
  });
});

describe('malformed URLs', () => {
  it.each([
    ['not a url', 'not a url'],
    ['http://', 'http://'],
    ['a space in the host', 'http://exa mple.com'],
    ['10 000 characters', `http://example.com/${'a'.repeat(10_000)}`],
    ['empty', ''],
  ])('%s is BAD_URL', async (_name, url) => {
    const error = await failure(fetcher.fetch(url), 'BAD_URL');
    expect(error.url.length).toBeLessThan(2_200);
  });
});
