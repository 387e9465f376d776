import { TOMBSTONE_VERSION, type RebuildScope, type SearchDocument } from '../port.ts';
import type { BuildingAlias } from './building.ts';
import type { Context } from './context.ts';
import { newestById } from '../batch.ts';
import { routingFor, toSource, tombstoneSource } from './documents.ts';
import { guarded, SearchIndexError } from './errors.ts';
import { scopeQuery } from './scopes.ts';
import { bulkBody, bulkOutcome, type WriteOp, type WriteTarget } from './writes.ts';

/** Documents per bulk request: a few MB at most, far below http.max_content_length (100 MB). */
const BULK_CHUNK = 500;

/** Message writes as bulk ops; `indexed_at` is this write's time. */
export function documentOps(docs: readonly SearchDocument[]): WriteOp[] {
  const now = Date.now();
  return newestById(docs).map((doc) => ({
    id: doc.id,
    routing: routingFor(doc.guildId),
    version: doc.version,
    source: toSource(doc, now),
  }));
}

/** Tombstone writes as bulk ops, one per message. */
export function tombstoneOps(messages: readonly { id: string; guildId: string | null }[]): WriteOp[] {
  const now = Date.now();
  return [...new Map(messages.map((m) => [m.id, m])).values()].map((m) => ({
    id: m.id,
    routing: routingFor(m.guildId),
    version: TOMBSTONE_VERSION,
    source: tombstoneSource(m, now),
  }));
}

/** Writes to the live index (and, during a full rebuild, the building one) and scoped deletes. */
export function createWriter(context: Context, building: BuildingAlias) {
  const { client, names, log } = context;
  const live: WriteTarget = { index: names.alias, requireAlias: true, optional: false };
  const buildingTarget: WriteTarget = { index: names.building, requireAlias: true, optional: true };

  /** The live alias, and the building alias while a full rebuild runs (building.ts). */
  const liveTargets = async (): Promise<WriteTarget[]> =>
    (await guarded(log, 'alias check', () => building.exists())) ? [live, buildingTarget] : [live];

  /**
   * Bulk writes in chunks. Items refused for any reason but an outdated version (409) or a vanished
   * building alias fail the call after logging what OpenSearch said; the indexer retries the whole
   * batch, which is safe: writes are idempotent, and those that landed land again as no-ops.
   */
  const write = async (operation: string, targets: WriteTarget[], ops: WriteOp[]): Promise<void> => {
    for (let start = 0; start < ops.length; start += BULK_CHUNK) {
      const chunk = ops.slice(start, start + BULK_CHUNK);
      const { body } = await guarded(log, operation, () =>
        client.bulk({
          body: bulkBody(targets, chunk),
          ...(context.refresh === false ? {} : { refresh: context.refresh }),
        }),
      );
      const outcome = bulkOutcome(targets, chunk, body);
      if (outcome.optionalGone) building.forget();
      if (outcome.failures.length > 0) {
        log.warn(
          { operation, failed: outcome.failures.length, failures: outcome.failures.slice(0, 5) },
          'OpenSearch refused writes',
        );
        throw new SearchIndexError(
          `search index: ${operation}: ${outcome.failures.length} of ${chunk.length * targets.length} writes failed`,
        );
      }
    }
  };

  /** delete_by_query of a scope on the live index and, during a full rebuild, the one being built. */
  const deleteScope = async (
    operation: string,
    scope: Exclude<RebuildScope, { kind: 'all' }>,
    routing: string | undefined,
  ): Promise<void> => {
    const targets = (await liveTargets()).map((t) => t.index);
    await guarded(log, operation, () =>
      client.deleteByQuery(
        {
          index: targets,
          ...(routing === undefined ? {} : { routing }),
          // Documents written meanwhile stay: they are newer than this delete's snapshot.
          conflicts: 'proceed',
          // The building alias may vanish meanwhile (a rebuild finishing): not an error.
          ignore_unavailable: true,
          // delete_by_query knows no wait_for.
          refresh: context.refresh !== false,
          body: { query: scopeQuery(scope) },
        },
        { requestTimeout: context.maintenanceTimeoutMs },
      ),
    );
  };

  return { liveTargets, write, deleteScope };
}
