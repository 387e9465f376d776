import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { routerSection } from '@gochat/config';
import { createIdentitySigner } from '@gochat/identity';
import { Lifecycle, serveRole, type ServiceLinks } from '@gochat/lifecycle';
import { createMetricsRegistry, silentLogger } from '@gochat/log';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { routerConfigSchema } from './config.ts';
import { createGateway } from './gateway.ts';
import { createRouterHttp } from './http.ts';
import {
  CONTENT_SECURITY_POLICY,
  createWebClient,
  isWebClientPath,
  resolveWebClientDir,
  webClientFile,
  type WebClient,
} from './web-client.ts';
import { createRouterYoga, type RouterYoga } from './yoga.ts';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-3f2a1b.js"></script></head></html>';
const SECRET = 'secret outside the folder';

/** A throwaway build: <tmp>/dist (index.html, assets/, a public file) next to a file it must never serve. */
function tempBuild() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-web-'));
  const dist = path.join(base, 'dist');
  fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dist, 'assets', 'app-3f2a1b.js'), 'console.log("app");\n');
  fs.writeFileSync(path.join(dist, 'assets', 'style-9c8d7e.css'), 'body { margin: 0 }\n');
  fs.writeFileSync(path.join(dist, 'assets', 'font-1a2b3c.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  fs.writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  fs.writeFileSync(path.join(dist, 'data.bin'), Buffer.from([1, 2, 3]));
  fs.writeFileSync(path.join(dist, '.gochat-build.json'), '{}');
  fs.writeFileSync(path.join(base, 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(dist, 'linked.txt'));
  return { base, dist };
}

const builds: string[] = [];
afterAll(() => {
  for (const dir of builds) fs.rmSync(dir, { recursive: true, force: true });
});

/** The router's HTTP routes with stand-ins for Yoga and the accounts role. */
function routerHttp(webClient: WebClient | undefined) {
  const yoga = { fetch: () => Promise.resolve(new Response('from yoga')) } as unknown as RouterYoga;
  return createRouterHttp({
    yoga,
    accounts: () => Promise.resolve(new Response('from accounts')),
    signer: createIdentitySigner('i'.repeat(32)),
    maxBodyBytes: 1_000_000,
    trustProxy: false,
    webClient,
  });
}

const lifecycles: Lifecycle[] = [];
afterEach(async () => {
  for (const lifecycle of lifecycles.splice(0)) await lifecycle.shutdown('test');
});

/** The router's routes on a real port (lifecycle's serveRole), as `gochat start` serves them. */
async function served(fetch: (request: Request, context?: { rawTarget?: string }) => Promise<Response>) {
  const lifecycle = new Lifecycle(silentLogger, 5_000);
  lifecycles.push(lifecycle);
  const { port } = await serveRole(
    { name: 'router', fetch },
    {
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      lifecycle,
      metrics: createMetricsRegistry({ defaultMetrics: false }),
    },
  );
  return port;
}

/** A request with the target exactly as written (fetch would resolve its dot segments first). */
function raw(port: number, target: string, method = 'GET') {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, path: target, method }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      request.on('error', reject);
      request.end();
    },
  );
}

describe('the web client at /', () => {
  let build: ReturnType<typeof tempBuild>;
  let http_: ReturnType<typeof routerHttp>;
  const get = (target: string, method = 'GET') =>
    http_.fetch(new Request(`http://router.test${target}`, { method }));

  beforeAll(() => {
    build = tempBuild();
    builds.push(build.base);
    http_ = routerHttp(createWebClient({ dir: build.dist, log: silentLogger }));
  });

  it('serves index.html at / with no-cache and the security headers', async () => {
    for (const target of ['/', '/index.html']) {
      const response = await get(target);
      expect(response.status, target).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(INDEX)));
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(await response.text()).toBe(INDEX);
    }
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; " +
        "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
    );
  });

  it('serves files with their content type; hashed assets/ files are immutable', async () => {
    const cases: Array<[string, string, string]> = [
      ['/assets/app-3f2a1b.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['/assets/style-9c8d7e.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['/assets/font-1a2b3c.woff2', 'font/woff2', 'public, max-age=31536000, immutable'],
      ['/favicon.svg', 'image/svg+xml', 'no-cache'],
      ['/data.bin', 'application/octet-stream', 'no-cache'],
    ];
    for (const [target, type, cache] of cases) {
      const response = await get(target);
      const expected = fs.readFileSync(path.join(build.dist, target));
      expect(response.status, target).toBe(200);
      expect(response.headers.get('content-type'), target).toBe(type);
      expect(response.headers.get('cache-control'), target).toBe(cache);
      expect(response.headers.get('content-length'), target).toBe(String(expected.byteLength));
      expect(Buffer.from(await response.arrayBuffer()).equals(expected), target).toBe(true);
    }
  });

  it('answers index.html at client-side routes (paths without an extension)', async () => {
    for (const target of [
      '/channels/1/2',
      '/verify',
      '/reset-password?token=abc',
      '/channels/@me/',
      '/assets',
    ]) {
      const response = await get(target);
      expect(response.status, target).toBe(200);
      expect(response.headers.get('cache-control'), target).toBe('no-cache');
      expect(response.headers.get('content-security-policy'), target).toBe(CONTENT_SECURITY_POLICY);
      expect(await response.text(), target).toBe(INDEX);
    }
  });

  it('answers 404 for a missing file: an extension, or anything under assets/', async () => {
    for (const target of ['/assets/app-000000.js', '/missing.png', '/channels/1/x.json', '/assets/nofile']) {
      const response = await get(target);
      expect(response.status, target).toBe(404);
      expect(response.headers.get('content-type'), target).toBe('text/plain; charset=utf-8');
    }
  });

  it('leaves /graphql, /api/*, /metrics and other methods to the API', async () => {
    expect(await (await get('/graphql')).text()).toBe('from yoga');
    expect(await (await get('/api/auth/jwks')).text()).toBe('from accounts');
    for (const target of ['/api/other', '/api', '/metrics', '/graphql/x', '/health', '/ready']) {
      const response = await get(target);
      expect(response.status, target).toBe(404);
      expect(response.headers.get('content-security-policy'), target).toBeNull();
      expect(await response.json(), target).toMatchObject({
        errors: [{ extensions: { code: 'NOT_FOUND' } }],
      });
    }
    const post = await http_.fetch(new Request('http://router.test/', { method: 'POST', body: '{}' }));
    expect(post.status).toBe(404);
    expect(await post.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
    expect(isWebClientPath('/graphiql')).toBe(true);
    expect(isWebClientPath('/graphql')).toBe(false);
  });

  it('answers HEAD with the GET headers, content-length included, and no body (over HTTP)', async () => {
    const port = await served((request, context) => http_.fetch(request, context));
    for (const target of ['/', '/assets/app-3f2a1b.js', '/channels/1/2']) {
      const [getResponse, headResponse] = [await raw(port, target), await raw(port, target, 'HEAD')];
      expect(headResponse.status, target).toBe(200);
      expect(headResponse.body, target).toBe('');
      for (const header of ['content-type', 'content-length', 'cache-control', 'content-security-policy'])
        expect(headResponse.headers[header], `${target} ${header}`).toBe(getResponse.headers[header]);
      expect(Number(headResponse.headers['content-length'])).toBe(Buffer.byteLength(getResponse.body));
    }
    expect((await raw(port, '/missing.png', 'HEAD')).status).toBe(404);
  });

  it('refuses path traversal with 404 and never reads outside the folder (over HTTP)', async () => {
    const port = await served((request, context) => http_.fetch(request, context));
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      // Resolved, these name the index or a client-side route: refused for how they were asked.
      '/assets/../index.html',
      '/../channels',
      '/x/%2e%2e/verify',
      '/%2e%2e/',
      '/%2e%2e/secret.txt',
      '/%2E%2e/%2e%2E/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/.%2e/secret.txt',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/..\\secret.txt',
      '/index.html%00.js',
      '/%00',
      '/assets/app-3f2a1b.js%00',
      '/%E0%A4%A', // not UTF-8
      '/./index.html',
      '/.gochat-build.json',
      '/linked.txt', // a symbolic link out of the folder
    ];
    for (const target of attempts) {
      const response = await raw(port, target);
      expect(response.status, target).toBe(404);
      expect(response.body, target).not.toContain(SECRET);
    }
    // Encoded twice: a literal "%2e%2e" segment, which is no file: a client-side route, inside the folder.
    const twice = await raw(port, '/%252e%252e/secret.txt');
    expect(twice.body).not.toContain(SECRET);
  });

  it('refuses traversal in-process too, where only the resolved URL is known', async () => {
    for (const target of ['/%2e%2e/secret.txt', '/../secret.txt', '/..%2fsecret.txt', '/a%00b']) {
      const response = await get(target);
      expect(response.status, target).toBe(404);
      expect(await response.text(), target).not.toContain(SECRET);
    }
    expect(webClientFile('/assets/app.js')).toBe('assets/app.js');
    expect(webClientFile('/')).toBe('');
    expect(webClientFile('/secret.txt', '/../secret.txt')).toBeUndefined();
    expect(webClientFile('/secret.txt', 'http://router.test/a/%2E%2E/secret.txt')).toBeUndefined();
    expect(webClientFile('/channels/1', '/channels/1?next=/../x')).toBe('channels/1');
  });
});

describe('the web client, not built', () => {
  it('answers 503 with a page naming the build command, warns once at start, and picks up a build', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-web-'));
    builds.push(base);
    const dist = path.join(base, 'dist');
    const log = { warn: vi.fn() };
    const client = createWebClient({ dir: dist, log });
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]).toEqual([{ dir: dist }, expect.stringContaining('npm run build:web')]);

    const router = routerHttp(client);
    for (const target of ['/', '/channels/1/2']) {
      const response = await router.fetch(new Request(`http://router.test${target}`));
      expect(response.status, target).toBe(503);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('npm run build:web');
    }
    const head = await router.fetch(new Request('http://router.test/', { method: 'HEAD' }));
    expect(head.status).toBe(503);
    expect(await head.text()).toBe('');
    expect(await (await router.fetch(new Request('http://router.test/graphql'))).text()).toBe('from yoga');
    expect(log.warn).toHaveBeenCalledTimes(1);

    // Built while the router runs: served from the next request on.
    fs.mkdirSync(dist);
    fs.writeFileSync(path.join(dist, 'index.html'), INDEX);
    const after = await router.fetch(new Request('http://router.test/'));
    expect(after.status).toBe(200);
    expect(await after.text()).toBe(INDEX);
  });

  it('is off with router.web.enabled false: every other path answers 404 as before', async () => {
    const response = await routerHttp(undefined).fetch(new Request('http://router.test/'));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });
});

describe('router.web settings', () => {
  it('default to clients/web/dist from the repository root, whatever the cwd', () => {
    const { web } = routerSection.parse({});
    expect(web).toEqual({ enabled: true, dir: 'clients/web/dist' });
    expect(routerSection.parse({ web: { enabled: 'false' } }).web.enabled).toBe(false);
    const root = path.resolve(import.meta.dirname, '..');
    const cwd = process.cwd();
    try {
      process.chdir(os.tmpdir());
      expect(resolveWebClientDir(web.dir)).toBe(path.join(root, 'clients', 'web', 'dist'));
    } finally {
      process.chdir(cwd);
    }
    expect(resolveWebClientDir('/srv/gochat/web')).toBe('/srv/gochat/web');
    expect(routerSection.safeParse({ web: { dir: '' } }).success).toBe(false);
    expect(routerSection.safeParse({ web: { enable: true } }).success).toBe(false);
  });
});

describe('GraphiQL at /graphql', () => {
  it('stays Yoga’s page, without the web client’s policy', async () => {
    const build = tempBuild();
    builds.push(build.base);
    const links = {
      accounts: () => Promise.reject(new Error('not in this test')),
      guilds: () => Promise.reject(new Error('not in this test')),
      messages: () => Promise.reject(new Error('not in this test')),
      media: () => Promise.reject(new Error('not in this test')),
      search: () => Promise.reject(new Error('not in this test')),
      voice: () => Promise.reject(new Error('not in this test')),
    } satisfies ServiceLinks;
    const gateway = createGateway({
      supergraphSdl: fs.readFileSync(new URL('../supergraph/supergraph.graphql', import.meta.url), 'utf8'),
      links,
      log: silentLogger,
      maxResponseBytes: 65_536,
    });
    await gateway.load();
    try {
      const config = routerConfigSchema.parse({ secrets: { internal: 'i'.repeat(32) } });
      const yoga = createRouterYoga({
        gateway,
        auth: { fromAuthorization: () => Promise.resolve({ kind: 'anonymous' }) },
        signer: createIdentitySigner(config.secrets.internal),
        config: config.router,
        publicUrl: 'http://router.test',
        log: silentLogger,
        mutationLimiter: { consume: () => Promise.resolve(), consumeAll: () => Promise.resolve() },
      });
      const router = createRouterHttp({
        yoga,
        accounts: links.accounts,
        signer: createIdentitySigner(config.secrets.internal),
        maxBodyBytes: 1_000_000,
        trustProxy: false,
        webClient: createWebClient({ dir: build.dist, log: silentLogger }),
      });
      const response = await router.fetch(
        new Request('http://router.test/graphql', { headers: { accept: 'text/html' } }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toBeNull();
      expect((await response.text()).toLowerCase()).toContain('graphiql');
    } finally {
      await gateway.stop();
    }
  });
});
