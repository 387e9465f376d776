import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDisposition } from './content-disposition.ts';
import { BlobNotFound, type BlobStore } from './port.ts';

export interface BlobStoreFixture {
  store: BlobStore;
  /** Same storage and keys, clock two hours behind: every URL it signs has already expired. */
  pastStore: BlobStore;
  close(): Promise<void>;
}

/** What the server behind a store enforces; known before any test runs, so skips show in the report. */
export interface ServerCapabilities {
  /**
   * Whether the server refuses a URL whose signature was altered. Real S3 does; s3rver 3.7.1 does not
   * check SigV4 signatures at all ("Signature version 4 calculation is unimplemeneted" in its
   * authentication middleware), so the S3 integration test checks our URLs' signatures itself.
   */
  verifiesSignatures: boolean;
}

export async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Alters one character well inside the signature (the last base64url character can carry unused bits). */
export function tamper(url: string): string {
  const i = url.length - 10;
  return url.slice(0, i) + (url[i] === '0' ? '1' : '0') + url.slice(i + 1);
}

/** The behaviour both stores share; `setup` returns a store on fresh, empty storage. */
export function describeBlobStoreContract(
  name: string,
  capabilities: ServerCapabilities,
  setup: () => Promise<BlobStoreFixture>,
): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fx: BlobStoreFixture;
    let store: BlobStore;
    // Every test works under its own prefix, so tests never see each other's objects.
    const prefix = () => `contract/${randomUUID()}`;

    beforeAll(async () => {
      fx = await setup();
      store = fx.store;
    });
    afterAll(async () => {
      await fx?.close();
    });

    it('uploads through the presigned PUT target; head and read return the same bytes', async () => {
      const key = `${prefix()}/upload.png`;
      const bytes = randomBytes(70_001);
      const before = Date.now();
      const target = await store.presignPut(key, {
        contentType: 'image/png',
        contentLength: bytes.length,
        expiresInSeconds: 300,
      });
      expect(target.method).toBe('PUT');
      expect(target.headers).toEqual({ 'Content-Type': 'image/png', 'Content-Length': String(bytes.length) });
      expect(target.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 299_000);
      expect(target.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 300_000);

      const res = await fetch(target.url, { method: target.method, headers: target.headers, body: bytes });
      expect(res.status).toBe(200);
      expect(await store.head(key)).toEqual({ size: bytes.length, contentType: 'image/png' });
      expect((await collect(await store.read(key))).equals(bytes)).toBe(true);
    });

    it('reads a byte range, end inclusive', async () => {
      const key = `${prefix()}/range.bin`;
      const bytes = randomBytes(4096);
      await store.write(key, bytes, { contentType: 'application/octet-stream' });
      expect(
        (await collect(await store.read(key, { start: 10, end: 19 }))).equals(bytes.subarray(10, 20)),
      ).toBe(true);
      expect(
        (await collect(await store.read(key, { start: 4000, end: 4095 }))).equals(bytes.subarray(4000)),
      ).toBe(true);
    });

    it('downloads through a presigned GET with the requested Content-Type and Content-Disposition', async () => {
      const key = `${prefix()}/doc`;
      const bytes = randomBytes(1234);
      await store.write(key, bytes, { contentType: 'application/octet-stream' });
      const filename = 'résumé "final" (2).pdf';
      const url = await store.presignGet(key, {
        expiresInSeconds: 300,
        contentType: 'application/pdf',
        disposition: 'attachment',
        filename,
      });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('content-disposition')).toBe(contentDisposition('attachment', filename));
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);

      const inline = await fetch(
        await store.presignGet(key, {
          expiresInSeconds: 60,
          contentType: 'image/webp',
          disposition: 'inline',
        }),
      );
      expect(inline.headers.get('content-type')).toBe('image/webp');
      expect(inline.headers.get('content-disposition')).toBe('inline');
      await inline.arrayBuffer();
    });

    it('writes from a Buffer', async () => {
      const key = `${prefix()}/buffer.txt`;
      const bytes = Buffer.from('héllo, blobs\n');
      await store.write(key, bytes, { contentType: 'text/plain; charset=utf-8', cacheControl: 'no-cache' });
      expect(await store.head(key)).toEqual({ size: bytes.length, contentType: 'text/plain; charset=utf-8' });
      expect((await collect(await store.read(key))).equals(bytes)).toBe(true);
    });

    it('writes a 6 MiB stream of unknown length (multipart on S3)', async () => {
      const key = `${prefix()}/stream.bin`;
      const chunks = Array.from({ length: 96 }, () => randomBytes(64 * 1024));
      const whole = Buffer.concat(chunks);
      expect(whole.length).toBe(6 * 1024 * 1024);
      await store.write(key, Readable.from(chunks), { contentType: 'video/mp4' });
      expect(await store.head(key)).toEqual({ size: whole.length, contentType: 'video/mp4' });
      expect(sha256(await collect(await store.read(key)))).toBe(sha256(whole));
    });

    it('lists by prefix, with sizes and dates', async () => {
      const p = prefix();
      const started = Date.now() - 5_000; // file systems and S3 may round timestamps down
      const keys = [`${p}/a/1.txt`, `${p}/a/2.txt`, `${p}/a/deep/3.txt`, `${p}/ab.txt`, `${p}/b/4.txt`];
      for (const [i, key] of keys.entries())
        await store.write(key, Buffer.alloc(i + 1, 'x'), { contentType: 'text/plain' });

      const listed = [];
      for await (const entry of store.list(`${p}/a`)) listed.push(entry);
      listed.sort((x, y) => (x.key < y.key ? -1 : 1));
      expect(listed.map((e) => [e.key, e.size])).toEqual([
        [`${p}/a/1.txt`, 1],
        [`${p}/a/2.txt`, 2],
        [`${p}/a/deep/3.txt`, 3],
        [`${p}/ab.txt`, 4],
      ]);
      for (const e of listed) {
        expect(e.lastModified).toBeInstanceOf(Date);
        expect(e.lastModified.getTime()).toBeGreaterThan(started);
      }
      const slash = [];
      for await (const entry of store.list(`${p}/a/`)) slash.push(entry.key);
      expect(slash.sort()).toEqual([`${p}/a/1.txt`, `${p}/a/2.txt`, `${p}/a/deep/3.txt`]);
      const none = [];
      for await (const entry of store.list(`${p}/zzz`)) none.push(entry);
      expect(none).toEqual([]);
    });

    it('deletes; absent keys are not an error', async () => {
      const p = prefix();
      await store.write(`${p}/x`, Buffer.from('x'), { contentType: 'text/plain' });
      await store.write(`${p}/y`, Buffer.from('y'), { contentType: 'text/plain' });
      await store.delete([`${p}/x`, `${p}/y`, `${p}/never-existed`]);
      expect(await store.head(`${p}/x`)).toBeNull();
      expect(await store.head(`${p}/y`)).toBeNull();
      await expect(store.read(`${p}/x`)).rejects.toBeInstanceOf(BlobNotFound);
      await store.delete([]);
      const left = [];
      for await (const entry of store.list(`${p}/`)) left.push(entry);
      expect(left).toEqual([]);
    });

    it('reports an absent object: head null, read and localCopy throw BlobNotFound', async () => {
      const key = `${prefix()}/absent`;
      expect(await store.head(key)).toBeNull();
      await expect(store.read(key)).rejects.toBeInstanceOf(BlobNotFound);
      await expect(store.localCopy(key)).rejects.toBeInstanceOf(BlobNotFound);
    });

    it('copies an object to a local file', async () => {
      const key = `${prefix()}/photo.jpg`;
      const bytes = randomBytes(10_000);
      await store.write(key, bytes, { contentType: 'image/jpeg' });
      const copy = await store.localCopy(key);
      expect((await readFile(copy.path)).equals(bytes)).toBe(true);
      await copy.release();
      expect(await store.head(key)).not.toBeNull(); // releasing a copy never touches the object
    });

    it('refuses an expired GET URL', async () => {
      const key = `${prefix()}/expired`;
      await store.write(key, Buffer.from('secret'), { contentType: 'text/plain' });
      const url = await fx.pastStore.presignGet(key, {
        expiresInSeconds: 60,
        contentType: 'text/plain',
        disposition: 'inline',
      });
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('secret');
    });

    it('refuses an expired PUT URL and stores nothing', async () => {
      const key = `${prefix()}/expired-put`;
      const target = await fx.pastStore.presignPut(key, {
        contentType: 'text/plain',
        contentLength: 5,
        expiresInSeconds: 60,
      });
      expect(target.expiresAt.getTime()).toBeLessThan(Date.now());
      const res = await fetch(target.url, { method: 'PUT', headers: target.headers, body: 'hello' });
      expect(res.status).toBe(403);
      expect(await store.head(key)).toBeNull();
    });

    it.skipIf(!capabilities.verifiesSignatures)('refuses a tampered GET URL', async () => {
      const key = `${prefix()}/tampered`;
      await store.write(key, Buffer.from('secret'), { contentType: 'text/plain' });
      const url = await store.presignGet(key, {
        expiresInSeconds: 60,
        contentType: 'text/plain',
        disposition: 'inline',
      });
      const res = await fetch(tamper(url));
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('secret');
    });

    it.skipIf(!capabilities.verifiesSignatures)('refuses a tampered PUT URL', async () => {
      const key = `${prefix()}/tampered-put`;
      const target = await store.presignPut(key, {
        contentType: 'text/plain',
        contentLength: 5,
        expiresInSeconds: 60,
      });
      const res = await fetch(tamper(target.url), { method: 'PUT', headers: target.headers, body: 'hello' });
      expect(res.status).toBe(403);
      expect(await store.head(key)).toBeNull();
    });

    it('names public objects by key', () => {
      const key = 'avatars/42/a1b2.webp';
      expect(store.publicUrl(key).endsWith(`/${key}`)).toBe(true);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
