import fs from 'node:fs';

import path from 'node:path';

import type { BlobStore } from '@gochat/blob-store';
import type { SearchIndex } from '@gochat/search';
import { createMemoryBus, createNatsBus, type EventBus } from '@gochat/bus';
import type { TlsConfig } from '@gochat/config';
import { createMemoryStore, createRedisStore, type KeyValueStore } from '@gochat/cache';
import { openDatabase, waitForSchema, type Database } from '@gochat/db';
import { createSnowflakeGenerator, type SnowflakeGenerator } from '@gochat/ids';
import { startParts, startedPart, type Lifecycle, type PartSpecs } from '@gochat/lifecycle';
import type { Logger, Registry } from '@gochat/log';
import type { MessageTimeline } from '@gochat/message-store';
import { createOutboxRelay, type OutboxRelay } from '@gochat/outbox';
import { createMemoryPresenceStore, createRedisPresenceStore, type PresenceStore } from '@gochat/presence';
import type { NodeDirectory } from '@gochat/sfu-directory';

import type { HostConfig } from './host-config.ts';

/** Every piece of infrastructure a role can need, by the name roles declare in `needs`. */
export interface Parts {
  database: Database;
  bus: EventBus;
  cache: KeyValueStore;
  /** Connections' presence: Redis when cache.url is set, else in memory (shared by the process's routers). */
  presence: PresenceStore;
  /** The message store: ScyllaDB when scylla.hosts is set, else PostgreSQL on the database. */
  timeline: MessageTimeline;
  /** Publishes committed outbox rows to the bus. */
  outbox: OutboxRelay;
  /** Uploaded files: S3 when blob.s3.bucket is set, else files under dataDir/blobs. */
  blob: BlobStore;
  /** The message search index: OpenSearch when search.opensearch.url is set, else PostgreSQL full-text. */
  search: SearchIndex;
  /** Where voice rooms run: SFU nodes found in etcd when voice.etcd.hosts is set, else voice.nodes. */
  voiceNodes: NodeDirectory;
}

export type PartName = keyof Parts;

export interface PartContext {
  config: HostConfig;
  log: Logger;
  /** Parts whose schema migrations this process applies as it starts them. */
  migrate: ReadonlySet<PartName>;
}

/** A tls section as node:tls takes it: the PEM files read (config validation checked they can be). */
export function readTls(tls: TlsConfig) {
  if (!tls) return undefined;
  const read = (file: string | undefined) => (file ? fs.readFileSync(file, 'utf8') : undefined);
  return {
    ca: read(tls.caFile),
    cert: read(tls.certFile),
    key: read(tls.keyFile),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}

/** Redis settings shared by the cache and the presence store; undefined: both run in memory. */
function redisOptions(config: HostConfig) {
  const { cache } = config;
  return cache.url
    ? { url: cache.url, username: cache.username, password: cache.password, tls: readTls(cache.tls) }
    : undefined;
}

/**
 * The infrastructure, declared: each part says what it requires, how it connects (embedded or real,
 * as the config says), its readiness check and its teardown. The host starts exactly the parts its
 * roles need, once each, in this order (requirements first), and stops them in reverse.
 */
export const PARTS: PartSpecs<Parts, PartContext> = {
  database: {
    label: 'database',
    async start({ config, log, migrate }) {
      const handle = await openDatabase({
        url: config.database.url,
        tls: readTls(config.database.tls),
        dataDir: config.dataDir,
        poolSize: config.database.poolSize,
        log,
      });
      try {
        if (migrate.has('database')) {
          await handle.migrate();
          log.info('database: migrations applied');
        } else {
          // Another process migrates (a role that does, or `gochat migrate`): start once it has.
          await waitForSchema(handle.db, { timeoutMs: config.database.migrationWaitSeconds * 1000, log });
        }
      } catch (error) {
        await handle.close();
        throw error;
      }
      return { value: handle.db, ready: () => handle.ping(), stop: () => handle.close() };
    },
  },

  bus: {
    label: 'bus',
    async start({ config, log }) {
      const bus = config.bus.url
        ? await createNatsBus({
            url: config.bus.url,
            auth: config.bus, // its user, password, token, nkeySeed and credsFile
            tls: readTls(config.bus.tls),
            prefix: config.bus.prefix,
            stream: config.bus.stream,
            duplicateWindowMs: config.bus.duplicateWindowMs,
            maxAgeMs: config.bus.maxAgeMs,
            maxMsgsPerSubject: config.bus.maxEventsPerSubject,
            log,
            name: 'gochat',
          })
        : createMemoryBus({
            log,
            duplicateWindowMs: config.bus.duplicateWindowMs,
            retention: config.bus.memoryRetention,
            maxPerSubject: config.bus.maxEventsPerSubject,
          });
      return { value: bus, kind: bus.kind, ready: () => bus.ping(), stop: () => bus.drain() };
    },
  },

  cache: {
    label: 'cache',
    async start({ config, log }) {
      const redis = redisOptions(config);
      const { keyPrefix } = config.cache;
      const cache = redis
        ? await createRedisStore({ ...redis, keyPrefix, log })
        : createMemoryStore({ keyPrefix });
      return { value: cache, kind: cache.kind, ready: () => cache.ping(), stop: () => cache.close() };
    },
  },

  presence: {
    label: 'presence',
    async start({ config, log }) {
      const redis = redisOptions(config);
      const keyPrefix = `${config.cache.keyPrefix}presence:`;
      const presence = redis
        ? await createRedisPresenceStore({ ...redis, keyPrefix, log })
        : createMemoryPresenceStore();
      return {
        value: presence,
        kind: presence.kind,
        ready: () => presence.ping(),
        stop: () => presence.close(),
      };
    },
  },

  timeline: {
    label: 'message store',
    requires: ['database'],
    async start({ config, log, migrate }, started) {
      const { openTimeline } = await import('@gochat/message-store');
      const timeline = await openTimeline({
        db: startedPart(started, 'database'),
        scylla: config.scylla,
        log,
        // Only a process serving the messages role applies the CQL migrations at start.
        migrate: migrate.has('timeline'),
      });
      return {
        value: timeline,
        kind: timeline.kind,
        ready: () => timeline.ping(),
        stop: () => timeline.close(),
      };
    },
  },

  blob: {
    label: 'blob store',
    async start({ config, log }) {
      const { createDiskBlobStore, createS3BlobStore, urlSigningKey } = await import('@gochat/blob-store');
      const { blob } = config;
      const baseUrl = blob.baseUrl ?? '';
      if (blob.s3.bucket) {
        const store = await createS3BlobStore({
          bucket: blob.s3.bucket,
          region: blob.s3.region,
          endpoint: blob.s3.endpoint,
          publicEndpoint: blob.s3.publicEndpoint,
          forcePathStyle: blob.s3.forcePathStyle,
          accessKeyId: blob.s3.accessKeyId,
          secretAccessKey: blob.s3.secretAccessKey,
          publicBaseUrl: blob.publicBaseUrl,
          routerBaseUrl: baseUrl,
          log,
        });
        return { value: store, kind: 's3', ready: () => store.ping(), stop: () => store.close() };
      }
      // Checked here rather than in the schema: only processes that handle files need it.
      if (!blob.signingSecret)
        throw new Error('blob.signingSecret (or secrets.internal) is required for the embedded blob store');
      const store = createDiskBlobStore({
        dir: path.join(config.dataDir, 'blobs'),
        signingKey: urlSigningKey(blob.signingSecret),
        baseUrl,
        publicBaseUrl: blob.publicBaseUrl,
      });
      return { value: store, kind: 'disk', ready: () => store.ping(), stop: () => store.close() };
    },
  },

  search: {
    label: 'search index',
    requires: ['database'],
    async start({ config, log }, started) {
      const { opensearch } = config.search;
      if (opensearch.url) {
        const { createOpenSearchIndex } = await import('@gochat/search/opensearch');
        const index = await createOpenSearchIndex({
          node: opensearch.url,
          username: opensearch.username,
          password: opensearch.password,
          tls: readTls(opensearch.tls),
          indexPrefix: opensearch.index,
          shards: opensearch.shards,
          replicas: opensearch.replicas,
          log,
        });
        return { value: index, kind: index.kind, ready: () => index.ping(), stop: () => index.close() };
      }
      const { createPostgresSearchIndex } = await import('@gochat/search');
      const index = createPostgresSearchIndex(startedPart(started, 'database'));
      return { value: index, kind: index.kind, ready: () => index.ping(), stop: () => index.close() };
    },
  },

  voiceNodes: {
    label: 'voice node directory',
    async start({ config, log }) {
      const { voice } = config;
      if (!voice.etcd.hosts?.length) {
        const { createStaticNodeDirectory } = await import('@gochat/sfu-directory');
        const directory = createStaticNodeDirectory({
          nodes: voice.nodes,
          defaultRegion: voice.defaultRegion,
        });
        return {
          value: directory,
          kind: directory.kind,
          ready: () => directory.ping(),
          stop: () => directory.close(),
        };
      }
      const { createEtcdNodeDirectory, openEtcd } = await import('@gochat/sfu-directory/etcd');
      const { etcd: settings } = voice;
      const etcd = openEtcd({ ...settings, hosts: settings.hosts!, tls: readTls(settings.tls) });
      try {
        const directory = await createEtcdNodeDirectory({
          etcd,
          prefix: settings.prefix,
          defaultRegion: voice.defaultRegion,
          leaseTtlSeconds: settings.leaseTtlSeconds,
          log,
        });
        const stop = async () => {
          await directory.close();
          etcd.close();
        };
        return { value: directory, kind: directory.kind, ready: () => directory.ping(), stop };
      } catch (error) {
        etcd.close();
        throw error;
      }
    },
  },

  outbox: {
    label: 'outbox relay',
    requires: ['database', 'bus'],
    // After the message store when it runs: its hook must be in place before the relay's first run.
    follows: ['timeline'],
    start({ log }, started) {
      const outbox = createOutboxRelay({
        db: startedPart(started, 'database'),
        bus: startedPart(started, 'bus'),
        log,
      });
      const { timeline } = started;
      // A staged ScyllaDB write must be applied before its event goes out.
      if (timeline)
        outbox.beforePublish((tx, events) =>
          timeline.applyPending(
            tx,
            events.map((e) => e.id),
          ),
        );
      outbox.kick(); // events committed before a crash or restart go out now
      // Publishes what in-flight requests committed; stops before the bus drains.
      return Promise.resolve({ value: outbox, stop: () => outbox.stop() });
    },
  },
};

export interface Base {
  log: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
  ids: SnowflakeGenerator;
}

/** What the host connected: the process-wide base, and the parts its roles need. */
export class Infrastructure {
  constructor(
    readonly base: Base,
    private readonly parts: Partial<Parts>,
  ) {}

  /** The parts a role needs; asking for one the host did not start is a wiring bug. */
  require<K extends PartName>(...keys: readonly K[]): Pick<Parts, K> {
    const picked = {} as Pick<Parts, K>;
    for (const key of keys) picked[key] = startedPart<Parts, K>(this.parts, key);
    return picked;
  }
}

/** Starts the parts `needs` asks for (and what they require), applying `migrate`'s migrations. */
export async function connectInfrastructure(
  config: HostConfig,
  needs: Iterable<PartName>,
  base: Omit<Base, 'ids'>,
  migrate: Iterable<PartName> = [],
): Promise<Infrastructure> {
  const context: PartContext = { config, log: base.log, migrate: new Set(migrate) };
  const parts = await startParts(PARTS, needs, context, base);
  return new Infrastructure({ ...base, ids: createSnowflakeGenerator(config.ids.workerId) }, parts);
}
