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
import type { Database } from '@gochat/db';
import {
  blocks,
  channelOverwrites,
  channelRecipients,
  channels,
  directPairs,
  guildMembers,
  guilds,
  memberRoles,
  roles,
  threads,
} from '@gochat/drizzle';
import type { SnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import { DEFAULT_EVERYONE_PERMISSIONS } from '@gochat/permissions';
import { openSubgraphHarness, type SubgraphHarness } from '@gochat/testkit';

import type { Processor } from './processing/processor.ts';
import { createMediaRole } from './role.ts';

/** Rows the media subgraph reads but does not own (guilds, members, roles, channels, DMs), written directly. */
export interface MediaSeed {
  /** A guild owned by ownerId (a member), with @everyone holding `everyone` (default permissions). */
  guild(ownerId: string, everyone?: bigint): Promise<string>;
  member(guildId: string, userId: string): Promise<void>;
  /** A role with these permissions, given to the listed members. */
  role(guildId: string, permissions: bigint, memberIds?: string[]): Promise<string>;
  channel(guildId: string, kind?: 'text' | 'voice' | 'category'): Promise<string>;
  thread(guildId: string, parentId: string, ownerId: string): Promise<string>;
  overwrite(
    channelId: string,
    targetType: 'role' | 'member',
    targetId: string,
    allow: bigint,
    deny: bigint,
  ): Promise<void>;
  dm(a: string, b: string): Promise<string>;
  block(blockerId: string, blockedId: string): Promise<void>;
}

function createSeed(db: Database, ids: SnowflakeGenerator): MediaSeed {
  return {
    async guild(ownerId, everyone = DEFAULT_EVERYONE_PERMISSIONS) {
      const id = ids.next();
      await db.insert(guilds).values({ id, name: `Guild ${id}`, ownerId });
      await db
        .insert(roles)
        .values({ id, guildId: id, name: '@everyone', position: 0, permissions: everyone });
      await db.insert(guildMembers).values({ guildId: id, userId: ownerId });
      return id;
    },
    async member(guildId, userId) {
      await db.insert(guildMembers).values({ guildId, userId });
    },
    async role(guildId, permissions, memberIds = []) {
      const id = ids.next();
      await db.insert(roles).values({ id, guildId, name: `Role ${id}`, position: 1, permissions });
      if (memberIds.length)
        await db.insert(memberRoles).values(memberIds.map((userId) => ({ guildId, userId, roleId: id })));
      return id;
    },
    async channel(guildId, kind = 'text') {
      const id = ids.next();
      await db.insert(channels).values({ id, guildId, kind, name: `${kind}-${id}` });
      return id;
    },
    async thread(guildId, parentId, ownerId) {
      const id = ids.next();
      await db.insert(threads).values({ id, parentId, guildId, ownerId, name: `thread-${id}` });
      return id;
    },
    async overwrite(channelId, targetType, targetId, allow, deny) {
      await db.insert(channelOverwrites).values({ channelId, targetType, targetId, allow, deny });
    },
    async dm(a, b) {
      const id = ids.next();
      const [low, high] = a < b ? [a, b] : [b, a];
      await db.insert(channels).values({ id, guildId: null, kind: 'dm' });
      await db.insert(channelRecipients).values([
        { channelId: id, userId: a },
        { channelId: id, userId: b },
      ]);
      await db.insert(directPairs).values({ userLow: low, userHigh: high, channelId: id });
      return id;
    },
    async block(blockerId, blockedId) {
      await db.insert(blocks).values({ blockerId, blockedId });
    },
  };
}

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
  seed: MediaSeed;
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
    seed: createSeed(harness.db, harness.ids),
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
