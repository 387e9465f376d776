import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { silentLogger } from '@gochat/log';
import { randomBytes, randomUUID } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, describeBlobStoreContract, tamper } from './blob.contract.ts';
import { createS3BlobStore, type S3BlobStore, type S3BlobStoreOptions } from './index.ts';
import { NOT_HANDLED, startMediaServer } from './testing/media-server.ts';
import { presignedRequestIsValid } from './testing/sigv4.ts';

// s3rver ships no types; this is the part of its API the tests use.
interface S3rver {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer: Server;
}
type S3rverOptions = { port: number; address: string; silent: boolean; directory: string };
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rver;

const HOUR = 3_600_000;
// s3rver knows exactly one key pair; any other access key is refused as InvalidAccessKeyId.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const bucket = 'gochat-blobs';

let s3rver: S3rver;
let directory: string;
let endpoint: string;
/** Every request s3rver receives, for assertions about what the SDK sent. */
const requests: Array<{ method: string; url: string }> = [];
const stores: S3BlobStore[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  // run() resolves with the bound address; port 0 let the OS pick a free one.
  const { port } = await s3rver.run();
  endpoint = `http://127.0.0.1:${port}`;
  s3rver.httpServer.prependListener('request', (req: IncomingMessage) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
  });
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await s3rver?.close();
  await rm(directory, { recursive: true, force: true });
});

async function openStore(overrides: Partial<S3BlobStoreOptions> = {}): Promise<S3BlobStore> {
  const store = await createS3BlobStore({
    bucket,
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true, // virtual-hosted buckets do not resolve on loopback
    ...credentials,
    routerBaseUrl: 'http://router.test',
    log: silentLogger,
    ...overrides,
  });
  stores.push(store);
  await store.ensureBucket();
  return store;
}

describeBlobStoreContract('s3 (s3rver)', { verifiesSignatures: false }, async () => ({
  store: await openStore(),
  pastStore: await openStore({ now: () => Date.now() - 2 * HOUR }),
  close: () => Promise.resolve(), // closed with the server in afterAll
}));

describe('S3 presigned URLs, checked as real S3 would', () => {
  let store: S3BlobStore;
  beforeAll(async () => {
    store = await openStore();
  });

  it('carry no checksum parameters and sign Content-Length and Content-Type as headers', async () => {
    const target = await store.presignPut('uploads/u1/photo.png', {
      contentType: 'image/png',
      contentLength: 1234,
      expiresInSeconds: 600,
    });
    expect(target.url).not.toMatch(/x-amz-checksum/i);
    expect(target.url).not.toMatch(/x-amz-sdk-checksum-algorithm/i);
    const query = new URL(target.url).searchParams;
    expect(query.get('X-Amz-SignedHeaders')!.split(';')).toEqual(
      expect.arrayContaining(['content-length', 'content-type', 'host']),
    );
    // Signed as headers, not hoisted into the query: the client must send exactly these.
    expect([...query.keys()].map((k) => k.toLowerCase())).not.toContain('content-type');
    expect([...query.keys()].map((k) => k.toLowerCase())).not.toContain('content-length');
    expect(query.get('X-Amz-Expires')).toBe('600');
    expect(target.headers).toEqual({ 'Content-Type': 'image/png', 'Content-Length': '1234' });

    const signed = { method: 'PUT', url: target.url, headers: target.headers };
    const secret = credentials.secretAccessKey;
    expect(presignedRequestIsValid(signed, secret)).toBe(true);
    // Each of these is a request real S3 answers with 403 SignatureDoesNotMatch.
    expect(
      presignedRequestIsValid(
        { ...signed, headers: { ...target.headers, 'Content-Length': '1235' } },
        secret,
      ),
    ).toBe(false);
    expect(
      presignedRequestIsValid(
        { ...signed, headers: { ...target.headers, 'Content-Type': 'text/html' } },
        secret,
      ),
    ).toBe(false);
    expect(presignedRequestIsValid({ ...signed, headers: { 'Content-Type': 'image/png' } }, secret)).toBe(
      false,
    );
    expect(presignedRequestIsValid({ ...signed, method: 'GET' }, secret)).toBe(false);
    expect(presignedRequestIsValid({ ...signed, url: tamper(target.url) }, secret)).toBe(false);
    expect(
      presignedRequestIsValid({ ...signed, url: target.url.replace('photo.png', 'other.png') }, secret),
    ).toBe(false);
  });

  it('would carry an empty-body CRC32 with the SDK defaults: the check above is not vacuous', async () => {
    const defaults = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
    try {
      const url = await getSignedUrl(
        defaults,
        new PutObjectCommand({ Bucket: bucket, Key: 'k', ContentType: 'image/png', ContentLength: 1 }),
      );
      expect(url).toMatch(/x-amz-checksum-crc32/i);
    } finally {
      defaults.destroy();
    }
  });

  it('sign the response headers of a GET into the URL', async () => {
    const url = await store.presignGet('files/report.pdf', {
      expiresInSeconds: 120,
      contentType: 'application/pdf',
      disposition: 'attachment',
      filename: 'Bericht März.pdf',
    });
    const query = new URL(url).searchParams;
    expect(query.get('response-content-type')).toBe('application/pdf');
    expect(query.get('response-content-disposition')).toBe(
      `attachment; filename="Bericht M_rz.pdf"; filename*=UTF-8''Bericht%20M%C3%A4rz.pdf`,
    );
    expect(url).not.toMatch(/x-amz-checksum/i);
    const secret = credentials.secretAccessKey;
    expect(presignedRequestIsValid({ method: 'GET', url, headers: {} }, secret)).toBe(true);
    const served = new URL(url);
    served.searchParams.set('response-content-type', 'text/html');
    expect(presignedRequestIsValid({ method: 'GET', url: served.toString(), headers: {} }, secret)).toBe(
      false,
    );
  });

  it('s3rver accepts what real S3 refuses: altered signatures, type and length (hence the checks above)', async () => {
    const key = `lax/${randomUUID()}`;
    const target = await store.presignPut(key, {
      contentType: 'image/png',
      contentLength: 4,
      expiresInSeconds: 60,
    });
    const put = await fetch(tamper(target.url), {
      method: 'PUT',
      headers: { 'Content-Type': 'text/html' },
      body: '<script>1</script>',
    });
    expect(put.status).toBe(200);
    expect(await store.head(key)).toEqual({ size: 18, contentType: 'text/html' });
    const get = await fetch(
      tamper(
        await store.presignGet(key, {
          expiresInSeconds: 60,
          contentType: 'text/plain',
          disposition: 'inline',
        }),
      ),
    );
    expect(get.status).toBe(200);
    await get.arrayBuffer();
  });
});

describe('S3 blob store', () => {
  let store: S3BlobStore;
  beforeAll(async () => {
    store = await openStore();
  });

  it('writes a stream of unknown length as a multipart upload', async () => {
    const key = `multipart/${randomUUID()}.bin`;
    const before = requests.length;
    const chunks = Array.from({ length: 6 }, () => randomBytes(1024 * 1024));
    await store.write(key, Readable.from(chunks), { contentType: 'application/octet-stream' });
    const sent = requests.slice(before);
    expect(sent.filter((r) => r.method === 'POST' && /[?&]uploads(=|&|$)/.test(r.url))).toHaveLength(1);
    expect(sent.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url))).toHaveLength(2);
    expect((await collect(await store.read(key))).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('deletes in batches of 1000 keys', async () => {
    const key = `batch/${randomUUID()}`;
    await store.write(key, Buffer.from('x'), { contentType: 'text/plain' });
    const absent = Array.from({ length: 2000 }, (_, i) => `batch/absent-${i}`);
    const before = requests.length;
    await store.delete([...absent, key]);
    const batches = requests
      .slice(before)
      .filter((r) => r.method === 'POST' && /[?&]delete(=|&|$)/.test(r.url));
    expect(batches).toHaveLength(3);
    expect(await store.head(key)).toBeNull();
  });

  it('releases a local copy by removing the temporary file', async () => {
    const key = `copies/${randomUUID()}/clip.mp4`;
    await store.write(key, randomBytes(2048), { contentType: 'video/mp4' });
    const copy = await store.localCopy(key);
    expect(copy.path.startsWith(tmpdir())).toBe(true);
    expect(copy.path.endsWith('/clip.mp4')).toBe(true);
    await copy.release();
    await expect(access(copy.path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates its bucket only once', async () => {
    await expect(store.ensureBucket()).resolves.toBeUndefined();
    await expect(store.ping()).resolves.toBeUndefined();
    const missing = await createS3BlobStore({
      bucket: 'no-such-bucket',
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      ...credentials,
      routerBaseUrl: '',
      log: silentLogger,
    });
    stores.push(missing);
    await expect(missing.ping()).rejects.toThrow();
  });

  it('builds public URLs from publicBaseUrl, or the router redirect', async () => {
    expect(store.publicUrl('emoji/1.png')).toBe('http://router.test/media/public/emoji/1.png');
    const cdn = await openStore({ publicBaseUrl: 'https://cdn.example/' });
    expect(cdn.publicUrl('emoji/1.png')).toBe('https://cdn.example/emoji/1.png');
  });
});

describe('router media handler on S3', () => {
  it('redirects public objects to a day-long presigned URL that serves the stored bytes and type', async () => {
    // A fixed clock: both redirects below fall in the same hour, so they must be the same URL.
    const fixed = Date.now();
    const store = await openStore({ now: () => fixed });
    const server = await startMediaServer();
    server.use(store);
    try {
      const key = `icons/${randomUUID()}.png`;
      const bytes = randomBytes(512);
      await store.write(key, bytes, { contentType: 'image/png' });
      const res = await fetch(`${server.origin}/media/public/${key}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
      const location = res.headers.get('location')!;
      expect(location.startsWith(`${endpoint}/${bucket}/${key}?`)).toBe(true);
      expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe('86400');
      expect(location).not.toMatch(/response-content-type/);
      expect(
        presignedRequestIsValid({ method: 'GET', url: location, headers: {} }, credentials.secretAccessKey),
      ).toBe(true);
      const again = await fetch(`${server.origin}/media/public/${key}`, { redirect: 'manual' });
      expect(again.headers.get('location')).toBe(location);

      const target = await fetch(location);
      expect(target.status).toBe(200);
      expect(target.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await target.arrayBuffer()).equals(bytes)).toBe(true);

      const followed = await fetch(`${server.origin}/media/public/${key}`);
      expect(Buffer.from(await followed.arrayBuffer()).equals(bytes)).toBe(true);

      for (const [method, path, status] of [
        ['GET', '/media/download/token', 404],
        ['PUT', '/media/upload/token', 404],
        ['GET', '/media/public/../secret', 404],
        ['POST', `/media/public/${key}`, 405],
        ['GET', '/healthz', NOT_HANDLED],
      ] as const) {
        const other = await fetch(server.origin + path, { method, redirect: 'manual' });
        expect(other.status, `${method} ${path}`).toBe(status);
        await other.arrayBuffer();
      }
    } finally {
      await server.close();
    }
  });
});
