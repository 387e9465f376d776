import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { createS3BlobStore, type S3BlobStore } from '@gochat/blob-store';
import { silentLogger } from '@gochat/log';

// s3rver ships no types; this is the part of its API used here.
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer: Server;
}
type S3rverOptions = { port: number; address: string; silent: boolean; directory: string };
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverServer;

/** s3rver knows exactly one key pair. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3rverHandle {
  endpoint: string;
  bucket: string;
  /** The variables a gochat process needs to use this bucket. */
  env: Record<string, string>;
  /** A store on the bucket, for listing what is stored. */
  store: S3BlobStore;
  /** Every object key in the bucket. */
  objects(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * s3rver (the only S3-compatible server installable here) on a free loopback port, with a temporary
 * directory and one bucket. It validates little (no signatures, no signed headers): tests assert what
 * real S3 would check themselves (stack-notes §12).
 */
export async function startS3rver(bucket = 'gochat-e2e'): Promise<S3rverHandle> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const store = await createS3BlobStore({
    bucket,
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    ...S3RVER_CREDENTIALS,
    routerBaseUrl: 'http://unused.test',
    log: silentLogger,
  });
  await store.ensureBucket();
  return {
    endpoint,
    bucket,
    store,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    },
    async objects() {
      const keys: string[] = [];
      for await (const object of store.list('')) keys.push(object.key);
      return keys;
    },
    async close() {
      await store.close();
      await server.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
