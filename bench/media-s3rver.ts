/**
 * bench:media's S3 store: s3rver (as packages/blob-store/src/s3.int.test.ts starts it: port 0 on
 * loopback, silent, a temp directory) in a child process of its own, so that its work (hashing and
 * writing every PUT, streaming objects back to GoChat) neither runs on the bench client's event loop
 * nor counts in GoChat's RSS. Plus the bucket GoChat uses, made through the blob store's own client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createS3BlobStore, type S3BlobStore } from '@gochat/blob-store';
import { silentLogger } from '@gochat/log';
import { childEnv } from '@gochat/testkit';

const REPO = path.resolve(import.meta.dirname, '..');

/** s3rver knows exactly one key pair; any other access key is refused as InvalidAccessKeyId. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const S3RVER_BUCKET = 'gochat-bench-media';

/** Runs in the child (an ES module from the repository, so `s3rver` resolves from node_modules). */
const CHILD = `
const { createRequire } = await import('node:module');
const S3rver = createRequire(process.env.S3RVER_FROM)('s3rver');
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.env.S3RVER_DIR });
const { port } = await server.run();
console.log(JSON.stringify({ port }));
process.once('SIGTERM', () => server.close().then(() => process.exit(0), () => process.exit(1)));
`;

export interface S3rverProcess {
  endpoint: string;
  pid: number;
  /** A blob store on the bucket (created), for the bench's own presigned PUTs. */
  store: S3BlobStore;
  /** What GoChat needs to use the bucket. */
  env: Record<string, string>;
  /** Stops the child (SIGTERM) and removes its directory; resolves with its exit code. */
  stop(): Promise<number | string>;
}

export async function startS3rver(): Promise<S3rverProcess> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-bench-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: REPO,
    env: childEnv({ S3RVER_DIR: directory, S3RVER_FROM: path.join(REPO, 'package.json') }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const code = await exited;
    fs.rmSync(directory, { recursive: true, force: true });
    return code;
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('s3rver did not start within 30 s')), 30_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (!line) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
      void exited.then((code) => reject(new Error(`s3rver exited (${code}) before listening`)));
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const store = await createS3BlobStore({
      bucket: S3RVER_BUCKET,
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true, // virtual-hosted buckets do not resolve on loopback
      ...S3RVER_CREDENTIALS,
      routerBaseUrl: 'http://router.invalid',
      log: silentLogger,
    });
    await store.ensureBucket();
    return {
      endpoint,
      pid: child.pid!,
      store,
      env: {
        S3_BUCKET: S3RVER_BUCKET,
        S3_ENDPOINT: endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        S3_REGION: 'us-east-1',
      },
      stop: async () => {
        await store.close();
        return stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
