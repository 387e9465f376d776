import type { BlobStore } from '@gochat/blob-store';
import type { EventBus } from '@gochat/bus';
import type { KeyValueStore } from '@gochat/cache';
import type { Database } from '@gochat/db';
import type { Lifecycle } from '@gochat/lifecycle';
import type { Logger, Registry } from '@gochat/log';
import type { MessageTimeline } from '@gochat/message-store';
import type { OutboxRelay } from '@gochat/outbox';
import { createSafeFetcher } from '@gochat/safe-fetch';

import { createWorkerRole, type WorkerRole } from '../harness/index.ts';
import { EMBEDDER, type EmbedderConfig, type EmbedsSettings } from './config.ts';
import { createBlobImageProxy, createUnfurler, type Unfurler } from './unfurl/index.ts';
import { createEmbedder } from './worker.ts';

export interface EmbedderRoleDeps {
  config: EmbedderConfig;
  bus: EventBus;
  db: Database;
  timeline: MessageTimeline;
  cache: KeyValueStore;
  blob: BlobStore;
  outbox: OutboxRelay;
  log: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
}

/**
 * The unfurler the config describes: the SSRF-guarded fetcher, the shared cache, picture copies in the
 * blob store. `signal` aborts every fetch (the drain).
 */
export function unfurlerFromConfig(
  embeds: EmbedsSettings,
  deps: { cache: KeyValueStore; blob: BlobStore; log: Logger },
  signal?: AbortSignal,
): Unfurler {
  const fetcher = createSafeFetcher({
    ports: embeds.ports,
    connectTimeoutMs: embeds.connectTimeoutMs,
    totalTimeoutMs: embeds.fetchTimeoutMs,
    maxBodyBytes: embeds.htmlMaxBytes,
    allowAddresses: embeds.allowAddresses,
    ...(signal ? { signal } : {}),
  });
  if (embeds.allowAddresses.length)
    deps.log.warn(
      { allowAddresses: embeds.allowAddresses },
      'embedder: link previews may fetch these private addresses (embeds.allowAddresses): for tests only',
    );
  return createUnfurler({
    fetcher,
    cache: deps.cache,
    images: createBlobImageProxy({ blobs: deps.blob, log: deps.log }),
    log: deps.log,
    settings: {
      positiveTtlMs: embeds.cacheTtlSeconds * 1000,
      negativeTtlMs: embeds.negativeCacheTtlSeconds * 1000,
      excludedUrlPatterns: embeds.excludedUrlPatterns.map((p) => new RegExp(p, 'u')),
      htmlMaxBytes: embeds.htmlMaxBytes,
      mediaMaxBytes: embeds.mediaMaxBytes,
      ...(embeds.youtubeOembedEndpoint ? { youtubeOembedEndpoint: embeds.youtubeOembedEndpoint } : {}),
    },
  });
}

/** worker:embedder: links in messages → link previews on the messages, pictures copied to the blob store. */
export function createEmbedderWorkerRole(deps: EmbedderRoleDeps): WorkerRole {
  // Aborted when the drain starts, so it does not wait on slow remote servers: the events of the
  // messages in flight fail and come back to whichever embedder runs next.
  const stopping = new AbortController();
  deps.lifecycle.onDrain(() => stopping.abort());
  const unfurler = unfurlerFromConfig(deps.config.embeds, deps, stopping.signal);
  const worker = createEmbedder({
    db: deps.db,
    timeline: deps.timeline,
    kick: () => deps.outbox.kick(),
    unfurler,
  });
  return createWorkerRole(worker, { ...deps, settings: deps.config.workers[EMBEDDER] });
}
