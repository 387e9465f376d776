import fs from 'node:fs';

import { createMemoryBus, createNatsBus, type EventBus } from '@gochat/bus';
import type { TlsConfig } from '@gochat/config';
import { createMemoryStore, createRedisStore, type KeyValueStore } from '@gochat/cache';
import { openDatabase, type Database } from '@gochat/db';
import { createSnowflakeGenerator, type SnowflakeGenerator } from '@gochat/ids';
import type { Lifecycle } from '@gochat/lifecycle';
import type { Logger, Registry } from '@gochat/log';
import type { MessageTimeline } from '@gochat/message-store';
import { createOutboxRelay, type OutboxRelay } from '@gochat/outbox';
import { createMemoryPresenceStore, createRedisPresenceStore, type PresenceStore } from '@gochat/presence';

import type { HostConfig } from './host-config.ts';

export interface Parts {
  db: Database;
  bus: EventBus;
  cache: KeyValueStore;
  /** Connections' presence: Redis when cache.url is set, else in memory (shared by the process's routers). */
  presence: PresenceStore;
  outbox: OutboxRelay;
  /** The message store: ScyllaDB when scylla.hosts is set, else PostgreSQL on `db`. */
  timeline: MessageTimeline;
}

export interface Base {
  log: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
  ids: SnowflakeGenerator;
}

export class Infrastructure {
  constructor(
    readonly base: Base,
    private readonly parts: Partial<Parts>,
  ) {}

  /** The parts a role needs; asking for one the host did not connect is a wiring bug. */
  require<K extends keyof Parts>(...keys: K[]): Pick<Parts, K> {
    const picked = {} as Pick<Parts, K>;
    for (const key of keys) {
      const part = this.parts[key];
      if (!part) throw new Error(`infrastructure part ${key} was not connected`);
      picked[key] = part;
    }
    return picked;
  }
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

/**
 * Connects the ports each role needs, embedded or real as the config says, registering each one's
 * readiness check and teardown as it is created (teardown runs in reverse: relay, cache, bus, db).
 */
export async function connectInfrastructure(
  config: HostConfig,
  needs: {
    database: boolean;
    bus: boolean;
    cache: boolean;
    presence?: boolean;
    timeline?: 'uses' | 'migrates';
  },
  base: Omit<Base, 'ids'>,
  options: { migrate: boolean },
): Promise<Infrastructure> {
  const { log, lifecycle } = base;
  const parts: Partial<Parts> = {};

  if (needs.database) {
    const handle = await openDatabase({
      url: config.database.url,
      tls: readTls(config.database.tls),
      dataDir: config.dataDir,
      poolSize: config.database.poolSize,
      log,
    });
    lifecycle.defer('database', () => handle.close());
    if (options.migrate) {
      await handle.migrate();
      log.info('database: migrations applied');
    }
    lifecycle.addReadinessCheck('database', () => handle.ping());
    parts.db = handle.db;
  }

  if (needs.bus) {
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
    log.info({ kind: bus.kind }, 'bus: connected');
    lifecycle.defer('bus', () => bus.drain());
    lifecycle.addReadinessCheck('bus', () => bus.ping());
    parts.bus = bus;
  }

  const redis = config.cache.url && {
    url: config.cache.url,
    username: config.cache.username,
    password: config.cache.password,
    tls: readTls(config.cache.tls),
  };
  if (needs.cache) {
    const cache = redis
      ? await createRedisStore({ ...redis, keyPrefix: config.cache.keyPrefix, log })
      : createMemoryStore({ keyPrefix: config.cache.keyPrefix });
    log.info({ kind: cache.kind }, 'cache: connected');
    lifecycle.defer('cache', () => cache.close());
    lifecycle.addReadinessCheck('cache', () => cache.ping());
    parts.cache = cache;
  }

  if (needs.presence) {
    const keyPrefix = `${config.cache.keyPrefix}presence:`;
    const presence = redis
      ? await createRedisPresenceStore({ ...redis, keyPrefix, log })
      : createMemoryPresenceStore();
    log.info({ kind: presence.kind }, 'presence: connected');
    lifecycle.defer('presence', () => presence.close());
    lifecycle.addReadinessCheck('presence', () => presence.ping());
    parts.presence = presence;
  }

  if (needs.timeline && parts.db) {
    const { openTimeline } = await import('@gochat/message-store');
    // Only a process serving the messages role applies the CQL migrations at start.
    const migrate = options.migrate && needs.timeline === 'migrates';
    const timeline = await openTimeline({ db: parts.db, scylla: config.scylla, log, migrate });
    log.info({ kind: timeline.kind }, 'message store: connected');
    lifecycle.defer('message store', () => timeline.close());
    lifecycle.addReadinessCheck('message store', () => timeline.ping());
    parts.timeline = timeline;
  }

  if (parts.db && parts.bus) {
    const outbox = createOutboxRelay({ db: parts.db, bus: parts.bus, log });
    // Publishes what in-flight requests committed; runs before the bus drains.
    lifecycle.defer('outbox relay', () => outbox.stop());
    const { timeline } = parts;
    // Registered before the first run: a staged ScyllaDB write must be applied before its event goes out.
    if (timeline)
      outbox.beforePublish((tx, events) =>
        timeline.applyPending(
          tx,
          events.map((e) => e.id),
        ),
      );
    outbox.kick(); // events committed before a crash or restart go out now
    parts.outbox = outbox;
  }

  return new Infrastructure({ ...base, ids: createSnowflakeGenerator(config.ids.workerId) }, parts);
}
