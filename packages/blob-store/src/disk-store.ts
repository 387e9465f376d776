import { randomUUID } from 'node:crypto';
import { createWriteStream, type Dirent, type Stats } from 'node:fs';
import {
  access,
  constants,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { exactLength } from './exact-length.ts';
import { registerDisk } from './internal.ts';
import { BlobNotFound, type BlobStore } from './port.ts';
import { signToken, verifyToken } from './token.ts';
import {
  assertContentType,
  assertExpiry,
  assertRange,
  assertValidKey,
  assertValidPrefix,
  isValidKey,
} from './validate.ts';

export interface DiskBlobStoreOptions {
  dir: string;
  /** HMAC key for upload and download URLs; see urlSigningKey(). */
  signingKey: Buffer;
  /** Origin (and path) of the router serving /media/*, e.g. 'https://chat.example.com'; '' gives relative URLs. */
  baseUrl: string;
  /** Where public objects are served from when not the router's /media/public. */
  publicBaseUrl?: string;
  /** Milliseconds since the epoch; injected by tests to sign URLs that are already expired. */
  now?: () => number;
}

export interface DiskBlobStore extends BlobStore {
  readonly kind: 'disk';
  readonly dir: string;
}

/** Sidecars and temp files live in dot-directories at the root, which no valid key can name. */
const META_DIR = '.meta';
const TMP_DIR = '.tmp';

interface Meta {
  contentType: string;
  cacheControl?: string;
}

/** Missing, or a path through a file ('a/b' when 'a' is a file), or a directory: not an object. */
/** Runs `f` inside a promise, so a bad argument rejects like every other failure of the port. */
const attempt = <T>(f: () => T): Promise<T> => new Promise((resolve) => resolve(f()));

const isAbsent = (e: unknown): boolean =>
  ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    if (isAbsent(e)) return null;
    throw e;
  }
}

export function createDiskBlobStore(options: DiskBlobStoreOptions): DiskBlobStore {
  const { dir, signingKey } = options;
  if (signingKey.length < 32) throw new Error('disk blob store: the signing key must be at least 32 bytes');
  const now = options.now ?? Date.now;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const publicBase = (options.publicBaseUrl ?? `${baseUrl}/media/public`).replace(/\/+$/, '');
  const dataPath = (key: string) => join(dir, key);
  const metaPath = (key: string) => join(dir, META_DIR, `${key}.json`);
  const expiry = (seconds: number) => Math.floor(now() / 1000) + seconds;

  async function readMeta(key: string): Promise<Meta | undefined> {
    try {
      return JSON.parse(await readFile(metaPath(key), 'utf8')) as Meta;
    } catch (e) {
      if (isAbsent(e)) return undefined;
      throw e;
    }
  }

  /**
   * `fill` writes the bytes to a temp file in the store's own tree (same file system, so rename is
   * atomic); only then are the sidecar and the data renamed into place, sidecar first so that a
   * visible object always has its content type. A failed or aborted write leaves nothing behind.
   */
  async function commit(key: string, meta: Meta, fill: (tmp: string) => Promise<void>): Promise<void> {
    assertValidKey(key);
    assertContentType(meta.contentType);
    await mkdir(join(dir, TMP_DIR), { recursive: true });
    const tmp = join(dir, TMP_DIR, randomUUID());
    try {
      await fill(tmp);
      await writeFile(`${tmp}.json`, JSON.stringify(meta));
      await mkdir(dirname(metaPath(key)), { recursive: true });
      await mkdir(dirname(dataPath(key)), { recursive: true });
      await rename(`${tmp}.json`, metaPath(key));
      await rename(tmp, dataPath(key));
    } finally {
      await Promise.all([rm(tmp, { force: true }), rm(`${tmp}.json`, { force: true })]);
    }
  }

  async function removeFile(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (e) {
      if (!isAbsent(e)) throw e;
    }
  }

  /** Keys in `rel` (a directory, '' or ending in '/') and below that start with `prefix`. */
  async function* walk(
    rel: string,
    prefix: string,
  ): AsyncGenerator<{ key: string; size: number; lastModified: Date }> {
    let entries: Dirent[];
    try {
      entries = await readdir(join(dir, rel), { withFileTypes: true });
    } catch (e) {
      if (isAbsent(e)) return;
      throw e;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (rel === '' && (entry.name === META_DIR || entry.name === TMP_DIR)) continue;
      const key = rel + entry.name;
      if (entry.isDirectory()) {
        const sub = `${key}/`;
        if (sub.startsWith(prefix) || prefix.startsWith(sub)) yield* walk(sub, prefix);
      } else if (entry.isFile() && key.startsWith(prefix) && isValidKey(key)) {
        const s = await statOrNull(join(dir, key));
        if (s) yield { key, size: s.size, lastModified: s.mtime };
      }
    }
  }

  const store: DiskBlobStore = {
    kind: 'disk',
    dir,

    presignPut: (key, o) =>
      attempt(() => {
        assertValidKey(key);
        assertContentType(o.contentType);
        assertExpiry(o.expiresInSeconds);
        if (!Number.isSafeInteger(o.contentLength) || o.contentLength < 0)
          throw new Error(`invalid content length: ${o.contentLength}`);
        const exp = expiry(o.expiresInSeconds);
        const token = signToken(signingKey, {
          op: 'put',
          key,
          exp,
          len: o.contentLength,
          type: o.contentType,
        });
        return {
          url: `${baseUrl}/media/upload/${token}`,
          method: 'PUT' as const,
          headers: { 'Content-Type': o.contentType, 'Content-Length': String(o.contentLength) },
          expiresAt: new Date(exp * 1000),
        };
      }),

    presignGet: (key, o) =>
      attempt(() => {
        assertValidKey(key);
        assertContentType(o.contentType);
        assertExpiry(o.expiresInSeconds);
        const token = signToken(signingKey, {
          op: 'get',
          key,
          exp: expiry(o.expiresInSeconds),
          type: o.contentType,
          disp: o.disposition,
          ...(o.filename !== undefined ? { fn: o.filename } : {}),
        });
        return `${baseUrl}/media/download/${token}`;
      }),

    publicUrl(key) {
      assertValidKey(key);
      return `${publicBase}/${key}`;
    },

    async head(key) {
      assertValidKey(key);
      const s = await statOrNull(dataPath(key));
      if (!s?.isFile()) return null;
      return { size: s.size, contentType: (await readMeta(key))?.contentType };
    },

    async read(key, range) {
      assertValidKey(key);
      assertRange(range);
      const opened = await internals.open(key);
      if (!opened) throw new BlobNotFound(key);
      // The handle closes itself when the stream ends or is destroyed (autoClose).
      return opened.fh.createReadStream(range ? { start: range.start, end: range.end } : {});
    },

    async localCopy(key) {
      if (!(await store.head(key))) throw new BlobNotFound(key);
      return { path: dataPath(key), release: () => Promise.resolve() };
    },

    write(key, body, o) {
      const meta: Meta = {
        contentType: o.contentType,
        ...(o.cacheControl ? { cacheControl: o.cacheControl } : {}),
      };
      return commit(key, meta, (tmp) =>
        Buffer.isBuffer(body) ? writeFile(tmp, body) : pipeline(body, createWriteStream(tmp)),
      );
    },

    async delete(keys) {
      keys.forEach(assertValidKey);
      for (const key of keys) await Promise.all([removeFile(dataPath(key)), removeFile(metaPath(key))]);
    },

    async *list(prefix) {
      assertValidPrefix(prefix);
      // Start from the deepest directory the prefix names whole; S3 prefixes need not end at a '/'.
      yield* walk(prefix.slice(0, prefix.lastIndexOf('/') + 1), prefix);
    },

    async ping() {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
    },

    close: () => Promise.resolve(),
  };

  const internals = {
    verify: <Op extends 'put' | 'get'>(token: string, op: Op) => verifyToken(signingKey, token, op, now()),
    nowMs: now,
    async open(key: string) {
      assertValidKey(key);
      let fh;
      try {
        fh = await open(dataPath(key), 'r');
      } catch (e) {
        if (isAbsent(e)) return null;
        throw e;
      }
      try {
        const s = await fh.stat();
        if (!s.isFile()) {
          await fh.close();
          return null;
        }
        return { fh, size: s.size, contentType: (await readMeta(key))?.contentType };
      } catch (e) {
        await fh.close();
        throw e;
      }
    },
    writeExact(key: string, body: Readable, length: number, contentType: string) {
      return commit(key, { contentType }, (tmp) =>
        pipeline(body, exactLength(length), createWriteStream(tmp)),
      );
    },
  };
  registerDisk(store, internals);
  return store;
}
