import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type BucketLocationConstraint,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Logger } from '@gochat/log';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contentDisposition } from './content-disposition.ts';
import { registerS3 } from './internal.ts';
import { BlobNotFound, type BlobStore } from './port.ts';
import {
  assertContentType,
  assertExpiry,
  assertRange,
  assertValidKey,
  assertValidPrefix,
} from './validate.ts';

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible store (R2, MinIO, s3rver); unset means AWS. */
  endpoint?: string;
  /** The endpoint clients reach the store at, when it differs from `endpoint`; presigned URLs use it. */
  publicEndpoint?: string | undefined;
  forcePathStyle?: boolean;
  /** Both or neither; neither uses the SDK's default credential chain. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** A CDN or public bucket origin serving objects at `${publicBaseUrl}/${key}`. */
  publicBaseUrl?: string;
  /** Origin of the router; without publicBaseUrl, public URLs go to its /media/public redirect. */
  routerBaseUrl: string;
  log: Logger;
  /** Milliseconds since the epoch, used as the signing date; tests sign already-expired URLs with it. */
  now?: () => number;
}

export interface S3BlobStore extends BlobStore {
  readonly kind: 's3';
  /** Creates the bucket when missing (tests and development; production buckets are provisioned). */
  ensureBucket(): Promise<void>;
}

/** lib-storage buffers at most queueSize × partSize: 10 MiB per stream being written. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;
const DELETE_BATCH = 1000;
/** Public redirects: the presigned target lives a day, browsers and CDNs keep the redirect an hour. */
const PUBLIC_URL_SECONDS = 24 * 60 * 60;
const PUBLIC_REDIRECT_WINDOW_MS = 60 * 60 * 1000;

const statusOf = (e: unknown): number | undefined =>
  (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isNotFound = (e: unknown): boolean =>
  statusOf(e) === 404 || ['NotFound', 'NoSuchKey'].includes((e as Error).name);

export function createS3BlobStore(options: S3BlobStoreOptions): S3BlobStore {
  const { bucket, log } = options;
  const now = options.now ?? Date.now;
  const shared: S3ClientConfig = {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.forcePathStyle !== undefined ? { forcePathStyle: options.forcePathStyle } : {}),
    ...(options.accessKeyId && options.secretAccessKey
      ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
      : {}),
  };
  // Since SDK 3.729 the default ('WHEN_SUPPORTED') adds CRC32 checksums; presigned without a body it
  // bakes the CRC32 of an empty body into the URL and real S3, R2 and MinIO reject the upload (s3rver
  // does not; stack-notes §12). Checksums only where an operation requires them (DeleteObjects).
  const noOptionalChecksums = {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  } as const;
  // Presigned URLs are for clients: signed for the endpoint they reach, which may differ from ours
  // (a container network's name for the store is not the browser's).
  const presigner = new S3Client({
    ...shared,
    ...(options.publicEndpoint ? { endpoint: options.publicEndpoint } : {}),
    ...noOptionalChecksums,
  });
  // S3-compatible stores vary in checksum support; AWS itself keeps the SDK's default integrity checks.
  const client = new S3Client(options.endpoint ? { ...shared, ...noOptionalChecksums } : shared);
  const routerBase = options.routerBaseUrl.replace(/\/+$/, '');
  const publicBase = options.publicBaseUrl?.replace(/\/+$/, '');

  const store: S3BlobStore = {
    kind: 's3',

    async presignPut(key, o) {
      assertValidKey(key);
      assertContentType(o.contentType);
      assertExpiry(o.expiresInSeconds);
      if (!Number.isSafeInteger(o.contentLength) || o.contentLength < 0)
        throw new Error(`invalid content length: ${o.contentLength}`);
      const signingDate = new Date(now());
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: o.contentType,
        ContentLength: o.contentLength,
      });
      // The presigner deliberately leaves content-type unsigned (any type would be accepted); listing
      // both as signable guarantees each is in X-Amz-SignedHeaders. Not being x-amz-* headers, they
      // stay headers rather than being hoisted into the query, so no unhoistableHeaders are needed.
      const url = await getSignedUrl(presigner, command, {
        expiresIn: o.expiresInSeconds,
        signingDate,
        signableHeaders: new Set(['content-type', 'content-length']),
      });
      return {
        url,
        method: 'PUT',
        headers: { 'Content-Type': o.contentType, 'Content-Length': String(o.contentLength) },
        expiresAt: new Date(signingDate.getTime() + o.expiresInSeconds * 1000),
      };
    },

    async presignGet(key, o) {
      assertValidKey(key);
      assertContentType(o.contentType);
      assertExpiry(o.expiresInSeconds);
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentType: o.contentType,
        ResponseContentDisposition: contentDisposition(o.disposition, o.filename),
      });
      return await getSignedUrl(presigner, command, {
        expiresIn: o.expiresInSeconds,
        signingDate: new Date(now()),
      });
    },

    publicUrl(key) {
      assertValidKey(key);
      return publicBase ? `${publicBase}/${key}` : `${routerBase}/media/public/${key}`;
    },

    async head(key) {
      assertValidKey(key);
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { size: out.ContentLength ?? 0, contentType: out.ContentType };
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },

    async read(key, range) {
      assertValidKey(key);
      assertRange(range);
      try {
        const out = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        // In Node the body is the HTTP response itself, an IncomingMessage.
        if (!(out.Body instanceof Readable)) throw new Error('S3 GetObject: the body is not a Node stream');
        return out.Body;
      } catch (e) {
        if (isNotFound(e)) throw new BlobNotFound(key);
        throw e;
      }
    },

    async localCopy(key) {
      const body = await store.read(key);
      const dir = await mkdtemp(join(tmpdir(), 'gochat-blob-'));
      const release = () => rm(dir, { recursive: true, force: true });
      // The key's last segment keeps its extension, which some tools use to pick a decoder.
      const path = join(dir, basename(key));
      try {
        await pipeline(body, createWriteStream(path));
      } catch (e) {
        await release();
        throw e;
      }
      return { path, release };
    },

    async write(key, body, o) {
      assertValidKey(key);
      assertContentType(o.contentType);
      const params = {
        Bucket: bucket,
        Key: key,
        ContentType: o.contentType,
        ...(o.cacheControl ? { CacheControl: o.cacheControl } : {}),
      };
      if (Buffer.isBuffer(body)) {
        await client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.length }));
        return;
      }
      // A stream of unknown length: multipart in 5 MiB parts (a single PutObject when it is smaller).
      await new Upload({
        client,
        params: { ...params, Body: body },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
      }).done();
    },

    async delete(keys) {
      keys.forEach(assertValidKey);
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const out = await client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        // Absent keys are not errors in S3 either; anything listed here is a real failure.
        const failed = out.Errors ?? [];
        if (failed.length > 0) {
          const first = failed[0];
          throw new Error(
            `S3 DeleteObjects: ${failed.length} of ${batch.length} failed (${first?.Key}: ${first?.Code} ${first?.Message})`,
          );
        }
      }
    },

    async *list(prefix) {
      assertValidPrefix(prefix);
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
        }
      }
    },

    async ping() {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    },

    async ensureBucket() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      try {
        await client.send(
          new CreateBucketCommand({
            Bucket: bucket,
            // us-east-1 is the one region that refuses an explicit location constraint.
            ...(options.region !== 'us-east-1' && !options.endpoint
              ? {
                  CreateBucketConfiguration: {
                    LocationConstraint: options.region as BucketLocationConstraint,
                  },
                }
              : {}),
          }),
        );
        log.info({ bucket }, 'created S3 bucket');
      } catch (e) {
        // Created concurrently by another process: fine.
        if ((e as Error).name !== 'BucketAlreadyOwnedByYou') throw e;
      }
    },

    close() {
      client.destroy();
      presigner.destroy();
      return Promise.resolve();
    },
  };

  registerS3(store, {
    publicRedirectUrl(key) {
      assertValidKey(key);
      // Signed at the start of the current hour: every redirect within the hour points to the same
      // URL, so browsers and CDNs can cache the object behind it; it stays valid ≥ 23 h after that.
      const signingDate = new Date(Math.floor(now() / PUBLIC_REDIRECT_WINDOW_MS) * PUBLIC_REDIRECT_WINDOW_MS);
      return getSignedUrl(presigner, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: PUBLIC_URL_SECONDS,
        signingDate,
      });
    },
  });
  return store;
}
