import type { API } from '@opensearch-project/opensearch';

import type { MessageSource, TombstoneSource } from './documents.ts';

/**
 * Bulk writes: request bodies and the reading of their per-item results. Pure, for unit tests.
 *
 * Every write is an `index` action with `version` = the document's version and `version_type:
 * external_gte`: OpenSearch keeps the stored document unless the new version is at least as high,
 * so redeliveries and racing indexers converge on the newest content, an equal version rewrites
 * (refreshing indexed_at, which scoped rebuilds rely on), and a tombstone (TOMBSTONE_VERSION, above
 * every real version) is never replaced by a message write.
 */

/** Where a write goes. */
export interface WriteTarget {
  /** An alias or a concrete index. */
  index: string;
  /**
   * Sent as the action's `require_alias`: a missing alias fails the item instead of auto-creating a
   * concrete index under the alias's name (which would then block the alias for good).
   */
  requireAlias: boolean;
  /**
   * A best-effort copy (the building alias of a full rebuild): a 404 means the alias is gone because
   * the rebuild finished or was abandoned, and the live write is what counts.
   */
  optional: boolean;
}

export interface WriteOp {
  id: string;
  routing: string;
  version: number;
  source: MessageSource | TombstoneSource;
}

/** Action and source lines: every op once per target, targets in order. */
export function bulkBody(targets: readonly WriteTarget[], ops: readonly WriteOp[]): API.Bulk_RequestBody {
  const body: API.Bulk_RequestBody = [];
  for (const target of targets) {
    for (const op of ops) {
      body.push(
        {
          index: {
            _index: target.index,
            _id: op.id,
            routing: op.routing,
            version: op.version,
            version_type: 'external_gte',
            ...(target.requireAlias ? { require_alias: true } : {}),
          },
        },
        op.source,
      );
    }
  }
  return body;
}

export interface ItemFailure {
  id: string;
  index: string;
  status: number;
  type: string;
  reason: string;
}

export interface BulkOutcome {
  failures: ItemFailure[];
  /** An optional target answered 404: its alias is gone. */
  optionalGone: boolean;
}

/**
 * Reads the per-item results (same order as `bulkBody`). A 409 version conflict is success: an older
 * write lost to a newer one (or to a tombstone), which is the point of external versioning.
 */
export function bulkOutcome(
  targets: readonly WriteTarget[],
  ops: readonly WriteOp[],
  response: API.Bulk_ResponseBody,
): BulkOutcome {
  const failures: ItemFailure[] = [];
  let optionalGone = false;
  response.items.forEach((item, i) => {
    const result = item.index ?? item.create ?? item.update ?? item.delete;
    const target = targets[Math.floor(i / Math.max(1, ops.length))];
    const op = ops[i % Math.max(1, ops.length)];
    if (!result || result.status < 300) return;
    if (result.status === 409) return;
    if (result.status === 404 && target?.optional) {
      optionalGone = true;
      return;
    }
    failures.push({
      id: op?.id ?? String(result._id),
      index: result._index,
      status: result.status,
      type: String(result.error?.type ?? 'unknown'),
      reason: String(result.error?.reason ?? ''),
    });
  });
  return { failures, optionalGone };
}
