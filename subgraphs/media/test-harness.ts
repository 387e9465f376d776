import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import {
  createBlobHttpHandler,
  createDiskBlobStore,
  urlSigningKey,
  type BlobStore,
  type DiskBlobStore,
} from '@gochat/blob-store';
import type { EventBus } from '@gochat/bus';
import { mediaSection, type MediaSection } from '@gochat/config';
import { silentLogger } from '@gochat/log';
import { createGuildSeed, openSubgraphHarness, type GuildSeed, type SubgraphHarness } from '@gochat/testkit';

import type { Processor } from './processing/processor.ts';
import { createMediaRole } from './role.ts';

/** What createUpload returns: where and how to PUT the bytes. */
export interface PutTarget {
  url: string;
  method: string;
  headers: readonly { name: string; value: string }[];
}

/**
 * The media subgraph in-process on a real database (see openSubgraphHarness), its blob store a
 * directory served over HTTP by the blob store's own handler, as the router serves /media/*.
 */
export interface MediaHarness extends SubgraphHarness {
  seed: GuildSeed;
  /** The disk store the role writes to (tests read and write it directly). */
  blob: DiskBlobStore;
  /** The harness's memory bus, the one the outbox publishes to. */
  bus: EventBus;
  processor: Processor;
  /** PUTs bytes to a createUpload target exactly as a client would. */
  put(target: PutTarget, bytes: Buffer): Promise<Response>;
  /** Every object key in the store under `prefix`, sorted. */
  objects(prefix?: string): Promise<string[]>;
  /**
   * Holds processing of this upload before it reads the file, until the returned function is called
   * (so a test sees the upload while it is PROCESSING). Released at close.
   */
  hold(uploadId: string): () => void;
}

export async function openMediaHarness(
  postgresAdminUrl?: string | null,
  media: Record<string, unknown> = {},
): Promise<MediaHarness> {
  const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-media-blobs-'));
  // The store's URLs need the server's port, and the server the store: the handler comes once both exist.
  const route: { handler?: ReturnType<typeof createBlobHttpHandler> } = {};
  const server = createServer((req, res) => {
    void route.handler?.(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const disk = createDiskBlobStore({
    dir: blobDir,
    signingKey: urlSigningKey('media-harness-signing-secret-0123456789abcdef'),
    baseUrl: origin,
  });
  route.handler = createBlobHttpHandler(disk, { log: silentLogger });

  const holds = new Map<string, { held: Promise<void>; release: () => void }>();
  const blob: BlobStore = {
    ...disk,
    async localCopy(key) {
      const held = [...holds].find(([id]) => key.startsWith(`uploads/${id}/`));
      if (held) await held[1].held;
      return disk.localCopy(key);
    },
  };

  const settings: MediaSection = mediaSection.parse(media);
  let processor: Processor | undefined;
  let bus: EventBus | undefined;
  const harness = await openSubgraphHarness(
    {
      subgraph: 'media',
      worker: 5,
      role: (deps) => {
        bus = deps.bus;
        const role = createMediaRole({ ...deps, blob, config: { ...deps.config, media: settings } });
        processor = role.processor;
        return role;
      },
    },
    postgresAdminUrl,
  );
  const close = harness.close.bind(harness);
  return Object.assign(harness, {
    seed: createGuildSeed(harness.db, harness.ids),
    blob: disk,
    bus: bus!,
    processor: processor!,
    put(target: PutTarget, bytes: Buffer) {
      const headers = Object.fromEntries(target.headers.map((h) => [h.name, h.value]));
      return fetch(new URL(target.url, origin), {
        method: target.method,
        headers,
        body: new Uint8Array(bytes),
      });
    },
    async objects(prefix = '') {
      const keys: string[] = [];
      for await (const object of disk.list(prefix)) keys.push(object.key);
      return keys.sort();
    },
    hold(uploadId: string) {
      let release = () => undefined as void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const done = () => {
        holds.delete(uploadId);
        release();
      };
      holds.set(uploadId, { held, release: done });
      return done;
    },
    async close() {
      for (const { release } of [...holds.values()]) release();
      await processor?.idle();
      await close();
      await new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      });
      fs.rmSync(blobDir, { recursive: true, force: true });
    },
  });
}
