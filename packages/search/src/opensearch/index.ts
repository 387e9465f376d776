import { Client, type ClientOptions } from '@opensearch-project/opensearch';

import type { SearchIndex } from '../port.ts';
import { BuildingAlias } from './building.ts';
import type { Context } from './context.ts';
import { routingFor } from './documents.ts';
import { guarded, SearchIndexError, silentLog, type SearchLog } from './errors.ts';
import { concreteIndex, indexNames } from './names.ts';
import { buildSearch, readPage } from './query.ts';
import { beginFullRebuild, finishFullRebuild, finishScopedRebuild } from './rebuild.ts';
import { ensureIndex } from './setup.ts';
import { createWriter, documentOps, tombstoneOps } from './writer.ts';

export type { SearchLog } from './errors.ts';

export interface OpenSearchIndexOptions {
  /** http(s)://host:port; credentials may be given here or below. */
  node: string;
  username?: string;
  password?: string;
  /** PEM strings: the CA to verify the cluster with, and a client certificate for mutual TLS. */
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
  /** The alias name, and the prefix of the concrete indices and the template. Default 'gochat-messages'. */
  indexPrefix?: string;
  /** Primary shards of indices created from now on. Default 1. */
  shards?: number;
  /** Replicas of indices created from now on. Default: the cluster's (1). */
  replicas?: number;
  log?: SearchLog;
  /** Refresh after every write (tests); default false: writes show within the refresh interval (1 s). */
  refresh?: boolean | 'wait_for';
  /** How long a writer trusts its view of the building alias (building.ts). Default 5 s. */
  aliasCheckIntervalMs?: number;
}

/** delete_by_query and _reindex run to completion server-side; the client waits this long for them. */
const MAINTENANCE_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * The message search index on OpenSearch (docs/decisions/0044-search.md). Starts by ensuring the
 * index template and, on a new cluster, the first index and its alias (setup.ts). Documents are
 * routed by guild (documents.ts), versioned externally (writes.ts) and searched through the alias
 * (query.ts); rebuilds are in rebuild.ts.
 */
export async function createOpenSearchIndex(options: OpenSearchIndexOptions): Promise<SearchIndex> {
  const names = indexNames(options.indexPrefix ?? 'gochat-messages');
  const log = options.log ?? silentLog;
  const client = new Client(clientOptions(options));
  const context: Context = {
    client,
    names,
    shape: {
      shards: options.shards ?? 1,
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
    },
    log,
    refresh: options.refresh ?? false,
    aliasCheckIntervalMs: options.aliasCheckIntervalMs ?? 5000,
    maintenanceTimeoutMs: MAINTENANCE_TIMEOUT_MS,
  };
  try {
    await guarded(log, 'start', () => ensureIndex(context));
  } catch (error) {
    await client.close();
    throw error;
  }
  const building = new BuildingAlias(context);
  const { liveTargets, write, deleteScope } = createWriter(context, building);

  return {
    kind: 'opensearch',

    async upsert(docs) {
      if (docs.length > 0) await write('upsert', await liveTargets(), documentOps(docs));
    },

    async remove(messages) {
      if (messages.length > 0) await write('remove', await liveTargets(), tombstoneOps(messages));
    },

    async removeChannel(channelId, guildId) {
      await deleteScope('removeChannel', { kind: 'channel', channelId }, routingFor(guildId));
    },

    async removeGuild(guildId) {
      await deleteScope('removeGuild', { kind: 'guild', guildId }, routingFor(guildId));
    },

    async search(request) {
      // The caller never asks without a readable channel; answer as the query would, without asking.
      if (request.parentChannelIds.length === 0)
        return { hits: [], total: 0, totalIsExact: true, next: null };
      const plan = buildSearch(request, names.alias);
      const { body } = await guarded(log, 'search', () => client.search(plan.params));
      return readPage(plan, body);
    },

    async beginRebuild(scope, startedAt) {
      if (scope.kind === 'all')
        await guarded(log, 'beginRebuild', () => beginFullRebuild(context, building, startedAt));
      else log.info({ scope, startedAt }, 'search rebuild started');
    },

    async rebuildWrite(scope, startedAt, docs) {
      if (docs.length === 0) return;
      // A full rebuild writes only its new index (named after startedAt, so a resume finds it); a
      // scoped one rewrites live documents, which refreshes their indexed_at.
      const targets =
        scope.kind === 'all'
          ? [{ index: concreteIndex(names, startedAt), requireAlias: false, optional: false }]
          : await liveTargets();
      await write('rebuildWrite', targets, documentOps(docs));
    },

    async finishRebuild(scope, startedAt) {
      await guarded(log, 'finishRebuild', () =>
        scope.kind === 'all'
          ? finishFullRebuild(context, building, startedAt)
          : finishScopedRebuild(context, scope, startedAt),
      );
    },

    async refresh() {
      const targets = (await liveTargets()).map((t) => t.index);
      await guarded(log, 'refresh', () =>
        client.indices.refresh({ index: targets, ignore_unavailable: true }),
      );
    },

    async ping() {
      const { body } = await guarded(log, 'ping', () =>
        client.cluster.health({ index: names.alias, timeout: '5s' }),
      );
      // Yellow serves (a single node never assigns replicas); red does not.
      if (body.status === 'red') throw new SearchIndexError('search index: the index is unavailable');
    },

    async close() {
      await client.close();
    },
  };
}

function clientOptions(options: OpenSearchIndexOptions): ClientOptions {
  const { tls, username } = options;
  return {
    node: options.node,
    ...(username === undefined ? {} : { auth: { username, password: options.password ?? '' } }),
    ...(tls
      ? {
          ssl: {
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.cert === undefined ? {} : { cert: tls.cert }),
            ...(tls.key === undefined ? {} : { key: tls.key }),
            ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
          },
        }
      : {}),
  };
}
