import type { Types } from '@opensearch-project/opensearch';

import type { RebuildScope } from '../port.ts';
import type { BuildingAlias } from './building.ts';
import { aliasIndices, type Context } from './context.ts';
import { routingFor } from './documents.ts';
import { errorType } from './errors.ts';
import { indexBody } from './mapping.ts';
import { concreteIndex, isConcreteIndex } from './names.ts';
import { recentTombstonesQuery, staleQuery } from './scopes.ts';

type AliasAction = Types.Indices_UpdateAliases.Action;

/**
 * Rebuilds without downtime.
 *
 * A full rebuild ('all') writes a new concrete index `<prefix>-<startedAt ms>` while searches go on
 * reading the live one. The name comes from startedAt, so beginRebuild with the same startedAt
 * resumes into the same index. `<prefix>-building` points at it so live writes reach it too
 * (building.ts). finishRebuild swaps the alias in one `_aliases` request, which also drops the
 * building alias and deletes the old index (`remove_index`): no moment without a live index, and
 * no old index left behind by a crash between a swap and a separate delete.
 *
 * A guild or channel rebuild writes into the live index (indexed_at = now) and at its end deletes
 * the scope's documents it did not write (scopes.ts staleQuery): a second index per guild would buy
 * nothing, the scope being a small part of one index.
 */

/** Starts (or resumes) a full rebuild; resolves once every writer can be trusted to see it. */
export async function beginFullRebuild(
  context: Context,
  building: BuildingAlias,
  startedAt: Date,
): Promise<void> {
  const { client, names, log } = context;
  const target = concreteIndex(names, startedAt);
  const live = await aliasIndices(context, names.alias);
  if (live.includes(target)) {
    log.info({ index: target }, 'search rebuild already finished');
    return;
  }
  const exists = (await client.indices.exists({ index: target })).body === true;
  if (!exists) {
    try {
      // Created bare; the building alias moves to it below, atomically with leaving any other index.
      await client.indices.create({ index: target, body: indexBody(context.shape) });
      log.info({ index: target }, 'search rebuild started');
    } catch (error) {
      if (errorType(error) !== 'resource_already_exists_exception') throw error;
    }
  }

  const current = await aliasIndices(context, names.building);
  const actions: AliasAction[] = [];
  if (!current.includes(target)) actions.push({ add: { index: target, alias: names.building } });
  for (const index of current) {
    if (index === target) continue;
    // A rebuild started with another startedAt and never finished: its index serves nobody.
    if (isConcreteIndex(names, index) && !live.includes(index)) actions.push({ remove_index: { index } });
    else actions.push({ remove: { index, alias: names.building } });
  }
  if (actions.length > 0) await client.indices.updateAliases({ body: { actions } });
  building.set(true);
  if (current.includes(target)) return; // resumed: writers have known the alias since it was added
  log.info({ index: target, abandoned: current }, 'search rebuild index ready');
  // Writers elsewhere may still trust an answer from before the alias existed: let it expire.
  await new Promise((resolve) => setTimeout(resolve, building.settleMs()));
}

/** Ends a full rebuild: recent tombstones copied over, the new index refreshed, then one swap. */
export async function finishFullRebuild(
  context: Context,
  building: BuildingAlias,
  startedAt: Date,
): Promise<void> {
  const { client, names, log } = context;
  const target = concreteIndex(names, startedAt);
  const live = await aliasIndices(context, names.alias);
  const current = await aliasIndices(context, names.building);
  if (live.length === 1 && live[0] === target) {
    // Already swapped; a crash may have left nothing else to do, or the building alias.
    if (current.includes(target))
      await client.indices.updateAliases({
        body: { actions: [{ remove: { index: target, alias: names.building } }] },
      });
    building.set(false);
    return;
  }
  if ((await client.indices.exists({ index: target })).body !== true)
    throw new Error('search index: finishRebuild without beginRebuild for this startedAt');

  if (live.length > 0) {
    // Tombstones of messages deleted before the rebuild read the store: without them a late,
    // older write of such a message would bring it back. Versions are kept (external), and a
    // tombstone the new index already has conflicts harmlessly.
    await client.reindex(
      {
        wait_for_completion: true,
        body: {
          conflicts: 'proceed',
          source: { index: names.alias, query: recentTombstonesQuery(startedAt) },
          dest: { index: target, version_type: 'external' },
        },
      },
      { requestTimeout: context.maintenanceTimeoutMs },
    );
  }
  await client.indices.refresh({ index: target });

  const actions: AliasAction[] = [];
  for (const index of live) {
    if (isConcreteIndex(names, index)) actions.push({ remove_index: { index } });
    else actions.push({ remove: { index, alias: names.alias } });
  }
  actions.push({ add: { index: target, alias: names.alias, is_write_index: true } });
  if (current.includes(target)) actions.push({ remove: { index: target, alias: names.building } });
  await client.indices.updateAliases({ body: { actions } });
  building.set(false);
  log.info({ index: target, replaced: live }, 'search rebuild finished');
}

/** Ends a guild or channel rebuild: what it did not write is gone from the store. */
export async function finishScopedRebuild(
  context: Context,
  scope: Exclude<RebuildScope, { kind: 'all' }>,
  startedAt: Date,
): Promise<void> {
  const { client, names, log } = context;
  // delete_by_query reads a point-in-time snapshot: refresh first, or writes of the rebuild still
  // in the indexing buffer would be seen with their older indexed_at.
  await client.indices.refresh({ index: names.alias });
  const response = await client.deleteByQuery(
    {
      index: names.alias,
      ...(scope.kind === 'guild' ? { routing: routingFor(scope.guildId) } : {}),
      conflicts: 'proceed',
      refresh: context.refresh !== false,
      body: { query: staleQuery(scope, startedAt) },
    },
    { requestTimeout: context.maintenanceTimeoutMs },
  );
  const deleted = 'deleted' in response.body ? response.body.deleted : undefined;
  log.info({ scope, deleted }, 'search rebuild finished');
}
