import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, describeBlobStoreContract } from './blob.contract.ts';
import { contentDisposition } from './content-disposition.ts';
import { createDiskBlobStore, type DiskBlobStore } from './disk-store.ts';
import { NOT_HANDLED, startMediaServer, type MediaServer } from './testing/media-server.ts';

const HOUR = 3_600_000;

describeBlobStoreContract('disk', { verifiesSignatures: true }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'blob-disk-'));
  const server = await startMediaServer();
  const signingKey = randomBytes(32);
  const store = createDiskBlobStore({ dir, signingKey, baseUrl: server.origin });
  server.use(store);
  const pastStore = createDiskBlobStore({
    dir,
    signingKey,
    baseUrl: server.origin,
    now: () => Date.now() - 2 * HOUR,
  });
  return {
    store,
    pastStore,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

/** Sends raw bytes and returns everything the server answers until it closes (or we do). */
function rawExchange(origin: string, bytes: Buffer, { hangUp = false } = {}): Promise<string> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => {
      socket.write(bytes);
      // An aborted upload: the client disappears with the body incomplete.
      if (hangUp) socket.destroy();
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

describe('disk blob store over HTTP', () => {
  let dir: string;
  let server: MediaServer;
  let store: DiskBlobStore;
  let clock: number;
  const logLines: Array<Record<string, unknown>> = [];
  let n = 0;
  const key = (name: string) => `http/${++n}/${name}`;
  const tmpFiles = async () => readdir(join(dir, '.tmp')).catch(() => []);
  const aborted = (k: string) =>
    logLines.some((l) => l.msg === 'upload aborted by the client' && l.key === k);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blob-http-'));
    server = await startMediaServer();
    clock = Math.floor(Date.now() / 1000) * 1000; // whole seconds, so max-age arithmetic is exact
    store = createDiskBlobStore({
      dir,
      signingKey: randomBytes(32),
      baseUrl: server.origin,
      now: () => clock,
    });
    const log = pino(
      { level: 'debug' },
      { write: (l: string) => void logLines.push(JSON.parse(l) as never) },
    );
    server.use(store, log);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function put(k: string, body: string | Buffer | ReadableStream, headers: Record<string, string>) {
    return fetch(
      (await store.presignPut(k, { contentType: 'text/plain', contentLength: 5, expiresInSeconds: 60 })).url,
      {
        method: 'PUT',
        headers,
        body,
        duplex: 'half',
      } as RequestInit,
    );
  }

  it('answers 400 and stores nothing when Content-Length differs from the signed length', async () => {
    const k = key('long.txt');
    const res = await put(k, 'hello!', { 'Content-Type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'VALIDATION', message: 'Content-Length must be 5.' } });
    expect(await store.head(k)).toBeNull();
    const short = await put(k, 'hey', { 'Content-Type': 'text/plain' });
    expect(short.status).toBe(400);
    expect(await store.head(k)).toBeNull();
  });

  it('answers 400 when Content-Length is missing (a chunked body)', async () => {
    const k = key('chunked.txt');
    const body = Readable.toWeb(Readable.from([Buffer.from('hel'), Buffer.from('lo')])) as ReadableStream;
    const res = await put(k, body, { 'Content-Type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(await store.head(k)).toBeNull();
  });

  it('answers 400 and stores nothing when Content-Type differs from the signed type', async () => {
    const k = key('type.txt');
    const res = await put(k, 'hello', { 'Content-Type': 'text/html' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION');
    expect(await store.head(k)).toBeNull();
  });

  it('never stores bytes beyond the signed length, even when the client lies about Content-Length', async () => {
    const k = key('extra.txt');
    const { url } = await store.presignPut(k, {
      contentType: 'text/plain',
      contentLength: 5,
      expiresInSeconds: 60,
    });
    const request =
      `PUT ${new URL(url).pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n` +
      `Content-Length: 5\r\n\r\nhelloEXTRA-BYTES`;
    const answer = await rawExchange(server.origin, Buffer.from(request));
    // HTTP framing ends the body at Content-Length and the rest is parsed as a next request, which is
    // garbage: Node answers 400 and drops the connection. Arriving in one packet, that usually happens
    // before the upload finishes, which is then aborted; otherwise the upload completes with 5 bytes.
    expect(answer).toMatch(/^HTTP\/1\.1 (200 OK|400 Bad Request)/);
    await expect.poll(async () => aborted(k) || (await store.head(k)) !== null).toBe(true);
    if (await store.head(k)) expect((await collect(await store.read(k))).toString()).toBe('hello');
    expect(await tmpFiles()).toEqual([]);
  });

  it('stores nothing when the client hangs up before the signed length has arrived', async () => {
    const k = key('aborted.txt');
    const { url } = await store.presignPut(k, {
      contentType: 'text/plain',
      contentLength: 5,
      expiresInSeconds: 60,
    });
    const request = `PUT ${new URL(url).pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhel`;
    await rawExchange(server.origin, Buffer.from(request), { hangUp: true });
    await expect.poll(() => aborted(k)).toBe(true);
    expect(await store.head(k)).toBeNull();
    expect(await tmpFiles()).toEqual([]);
  });

  it('refuses a token for another operation, a spliced token and garbage, storing nothing', async () => {
    const k = key('forged.txt');
    const getUrl = await store.presignGet(k, {
      expiresInSeconds: 60,
      contentType: 'text/plain',
      disposition: 'inline',
    });
    const getToken = getUrl.split('/').pop()!;
    const putToken = (
      await store.presignPut(k, { contentType: 'text/plain', contentLength: 5, expiresInSeconds: 60 })
    ).url
      .split('/')
      .pop()!;
    const other = (
      await store.presignPut(key('other'), {
        contentType: 'text/plain',
        contentLength: 5,
        expiresInSeconds: 60,
      })
    ).url
      .split('/')
      .pop()!;
    const spliced = `${other.split('.')[0]}.${putToken.split('.')[1]}`;
    for (const token of [getToken, spliced, 'garbage', `${putToken}.x`]) {
      const res = await fetch(`${server.origin}/media/upload/${token}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain' },
        body: 'hello',
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { code: 'FORBIDDEN', message: 'Invalid link.' } });
    }
    expect(await store.head(k)).toBeNull();
    const wrongOp = await fetch(`${server.origin}/media/download/${putToken}`);
    expect(wrongOp.status).toBe(403);
    await wrongOp.arrayBuffer();
  });

  it('says when a link has expired', async () => {
    const k = key('late.txt');
    await store.write(k, Buffer.from('hello'), { contentType: 'text/plain' });
    const url = await store.presignGet(k, {
      expiresInSeconds: 60,
      contentType: 'text/plain',
      disposition: 'inline',
    });
    clock += 60_000;
    try {
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { code: 'FORBIDDEN', message: 'This link has expired.' } });
    } finally {
      clock -= 60_000;
    }
  });

  describe('downloads', () => {
    const bytes = Buffer.from('0123456789');
    let k: string;
    let url: string;
    beforeAll(async () => {
      k = key('digits.txt');
      await store.write(k, bytes, { contentType: 'text/plain' });
      url = await store.presignGet(k, {
        expiresInSeconds: 600,
        contentType: 'text/plain; charset=utf-8',
        disposition: 'attachment',
        filename: 'zählen.txt',
      });
    });
    const get = (range?: string, method = 'GET') =>
      fetch(url, { method, headers: range ? { Range: range } : {} });

    it('sends the signed headers, nosniff and a private cache lifetime up to the expiry', async () => {
      clock += 100_000;
      try {
        const res = await get();
        expect(res.status).toBe(200);
        expect(Object.fromEntries(res.headers)).toMatchObject({
          'content-type': 'text/plain; charset=utf-8',
          'content-disposition': `attachment; filename="z_hlen.txt"; filename*=UTF-8''z%C3%A4hlen.txt`,
          'x-content-type-options': 'nosniff',
          'cache-control': 'private, max-age=500',
          'accept-ranges': 'bytes',
          'content-length': '10',
        });
        expect(await res.text()).toBe('0123456789');
      } finally {
        clock -= 100_000;
      }
    });

    it('serves single ranges with 206 and Content-Range', async () => {
      for (const [range, body, contentRange] of [
        ['bytes=2-5', '2345', 'bytes 2-5/10'],
        ['bytes=7-', '789', 'bytes 7-9/10'],
        ['bytes=-3', '789', 'bytes 7-9/10'],
        ['bytes=8-100', '89', 'bytes 8-9/10'],
      ] as const) {
        const res = await get(range);
        expect(res.status, range).toBe(206);
        expect(res.headers.get('content-range'), range).toBe(contentRange);
        expect(res.headers.get('content-length'), range).toBe(String(body.length));
        expect(await res.text(), range).toBe(body);
      }
    });

    it('answers 416 to an unsatisfiable range and ignores multiple or malformed ones', async () => {
      for (const range of ['bytes=10-', 'bytes=-0', 'bytes=99-100']) {
        const res = await get(range);
        expect(res.status, range).toBe(416);
        expect(res.headers.get('content-range'), range).toBe('bytes */10');
        await res.arrayBuffer();
      }
      for (const range of ['bytes=0-1,4-5', 'bytes=5-2', 'items=0-1']) {
        const res = await get(range);
        expect(res.status, range).toBe(200);
        expect(await res.text(), range).toBe('0123456789');
      }
    });

    it('answers HEAD with the headers and no body', async () => {
      const res = await get('bytes=0-3', 'HEAD');
      expect(res.status).toBe(206);
      expect(res.headers.get('content-length')).toBe('4');
      expect(await res.text()).toBe('');
    });

    it('answers 404 once the object is gone', async () => {
      const gone = key('gone.txt');
      await store.write(gone, bytes, { contentType: 'text/plain' });
      const link = await store.presignGet(gone, {
        expiresInSeconds: 60,
        contentType: 'text/plain',
        disposition: 'inline',
      });
      await store.delete([gone]);
      const res = await fetch(link);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    });
  });

  describe('public objects', () => {
    it('serves the stored type, immutable and public, with ranges', async () => {
      const k = key('icon.png');
      await store.write(k, Buffer.from('PNGDATA'), { contentType: 'image/png' });
      expect(store.publicUrl(k)).toBe(`${server.origin}/media/public/${k}`);
      const res = await fetch(store.publicUrl(k));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toBeNull();
      expect(await res.text()).toBe('PNGDATA');
      const part = await fetch(store.publicUrl(k), { headers: { Range: 'bytes=0-2' } });
      expect(part.status).toBe(206);
      expect(await part.text()).toBe('PNG');
    });

    it('answers 404 for absent objects and malformed keys', async () => {
      for (const path of [
        '/media/public/nothing/here.png',
        '/media/public/a/../b',
        '/media/public/%2e%2e/x',
        '/media/nope/x',
      ]) {
        const res = await fetch(server.origin + path);
        expect(res.status, path).toBe(404);
        await res.arrayBuffer();
      }
    });
  });

  it('answers 405 to other methods, and declines paths outside /media/', async () => {
    for (const [method, path] of [
      ['POST', '/media/public/x'],
      ['DELETE', '/media/download/x'],
      ['GET', '/media/upload/x'],
    ]) {
      const res = await fetch(server.origin + path!, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      await res.arrayBuffer();
    }
    const other = await fetch(`${server.origin}/graphql`);
    expect(other.status).toBe(NOT_HANDLED);
  });

  it('keeps sidecars and temp files out of list, and a write invisible until complete', async () => {
    const k = key('slow.bin');
    const body = new PassThrough();
    const writing = store.write(k, body, { contentType: 'application/octet-stream' });
    body.write(randomBytes(1000));
    await expect.poll(tmpFiles).toHaveLength(1);
    expect(await store.head(k)).toBeNull();
    body.end(randomBytes(1000));
    await writing;
    expect(await store.head(k)).toEqual({ size: 2000, contentType: 'application/octet-stream' });
    const all = [];
    for await (const e of store.list('')) all.push(e.key);
    expect(all.every((name) => name.startsWith('http/'))).toBe(true);
    expect(all).toContain(k);
  });

  it('leaves nothing behind when a stream write fails', async () => {
    const k = key('broken.bin');
    const body = new PassThrough();
    const writing = store.write(k, body, { contentType: 'application/octet-stream' });
    body.write(randomBytes(1000));
    await expect.poll(tmpFiles).toHaveLength(1); // the write is under way
    body.destroy(new Error('source failed'));
    await expect(writing).rejects.toThrow('source failed');
    expect(await store.head(k)).toBeNull();
    expect(await tmpFiles()).toEqual([]);
  });
});

describe('disk blob store without a server', () => {
  const store = createDiskBlobStore({
    dir: join(tmpdir(), 'unused'),
    signingKey: randomBytes(32),
    baseUrl: '',
  });

  it('gives relative URLs when baseUrl is empty, and honours publicBaseUrl', async () => {
    expect(
      (await store.presignPut('a/b.png', { contentType: 'image/png', contentLength: 1, expiresInSeconds: 1 }))
        .url,
    ).toMatch(/^\/media\/upload\/[\w-]+\.[\w-]+$/);
    expect(
      await store.presignGet('a/b.png', {
        expiresInSeconds: 1,
        contentType: 'image/png',
        disposition: 'inline',
      }),
    ).toMatch(/^\/media\/download\/[\w-]+\.[\w-]+$/);
    expect(store.publicUrl('a/b.png')).toBe('/media/public/a/b.png');
    const cdn = createDiskBlobStore({
      dir: 'unused',
      signingKey: randomBytes(32),
      baseUrl: 'https://chat.example',
      publicBaseUrl: 'https://cdn.example/p/',
    });
    expect(cdn.publicUrl('a/b.png')).toBe('https://cdn.example/p/a/b.png');
  });

  it('rejects malformed keys as programming errors', async () => {
    const bad = [
      '',
      '/abs',
      '../up',
      'a/../b',
      'a/./b',
      'a//b',
      'a/',
      '.hidden',
      'sp ace',
      'ü',
      'a\\b',
      'x'.repeat(502),
    ];
    for (const k of bad) {
      await expect(store.head(k), k).rejects.toThrow(/invalid blob key/);
      await expect(
        store.presignPut(k, { contentType: 'text/plain', contentLength: 1, expiresInSeconds: 1 }),
        k,
      ).rejects.toThrow(/invalid blob key/);
      await expect(store.write(k, Buffer.from('x'), { contentType: 'text/plain' }), k).rejects.toThrow(
        /invalid blob key/,
      );
      expect(() => store.publicUrl(k), k).toThrow(/invalid blob key/);
    }
    await expect(store.delete(['ok', '../bad'])).rejects.toThrow(/invalid blob key/);
    await expect(store.list('../')[Symbol.asyncIterator]().next()).rejects.toThrow(/invalid blob prefix/);
    expect(store.publicUrl('A-b_c.d/0/x'.padEnd(501, 'y'))).toContain('/media/public/');
  });

  it('refuses a header-breaking content type and a short signing key', async () => {
    await expect(
      store.presignGet('a', { expiresInSeconds: 1, contentType: 'text/html\r\nX: y', disposition: 'inline' }),
    ).rejects.toThrow(/invalid content type/);
    expect(() => createDiskBlobStore({ dir: 'x', signingKey: randomBytes(16), baseUrl: '' })).toThrow(
      /32 bytes/,
    );
  });

  it('builds RFC 6266 dispositions', () => {
    expect(contentDisposition('inline')).toBe('inline');
    expect(contentDisposition('attachment', `a "b" 100%\\'(x)*.txt`)).toBe(
      `attachment; filename="a _b_ 100__'(x)*.txt"; filename*=UTF-8''a%20%22b%22%20100%25%5C%27%28x%29%2A.txt`,
    );
    expect(contentDisposition('attachment', '日本.txt')).toBe(
      `attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`,
    );
    expect(contentDisposition('inline', 'bad\uD800.txt')).toBe(
      `inline; filename="bad_.txt"; filename*=UTF-8''bad%EF%BF%BD.txt`,
    );
  });
});
