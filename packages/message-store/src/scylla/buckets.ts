import { EPOCH_MS } from '@gochat/ids';

import type { HistoryQuery } from '../port.ts';

/**
 * ScyllaDB partitions a channel's messages into time buckets: (channel_id, bucket). A bucket is a
 * 10-day window of the snowflake's timestamp, so a partition stays bounded however old the channel.
 * Everything here is pure; scylla/timeline.ts does the I/O.
 */
export const BUCKET_MS = 10 * 24 * 60 * 60 * 1000;

const TIMESTAMP_SHIFT = 22n;

/** The bucket of a snowflake: whole BUCKET_MS windows since the GoChat epoch. Non-decreasing in the id. */
export function bucketOf(id: string | bigint): number {
  const ms = (typeof id === 'bigint' ? id : BigInt(id)) >> TIMESTAMP_SHIFT;
  return Math.floor(Number(ms) / BUCKET_MS);
}

/** The first id that can fall in a bucket (its timestamp at the window's start, worker and sequence 0). */
export function firstIdOfBucket(bucket: number): bigint {
  return BigInt(bucket * BUCKET_MS) << TIMESTAMP_SHIFT;
}

/** Milliseconds since the Unix epoch at which a bucket starts. */
export function bucketStart(bucket: number): number {
  return Number(EPOCH_MS) + bucket * BUCKET_MS;
}

/**
 * One page read from one bucket:
 *   - older: ids strictly below `from` (or the newest, without it), newest first
 *   - newer: ids strictly above `from`, oldest first
 * at most `limit` rows.
 */
export interface BucketPage {
  bucket: number;
  direction: 'older' | 'newer';
  from?: string;
  limit: number;
}

export type FetchBucket<T> = (page: BucketPage) => Promise<T[]>;

type Cursor = Pick<HistoryQuery, 'limit' | 'before' | 'after' | 'around'>;

/**
 * Reads `limit` rows in one direction, bucket after bucket, from the bucket of `from` onwards. Only
 * the listed (non-empty) buckets are read, so sparse channels cost one query per bucket that holds
 * messages. Buckets are disjoint id ranges in id order, so concatenating the pages gives one ordered
 * sequence with no duplicates or gaps.
 */
async function walk<T extends { id: string }>(
  bucketsDesc: readonly number[],
  direction: 'older' | 'newer',
  from: string | undefined,
  limit: number,
  fetch: FetchBucket<T>,
): Promise<T[]> {
  const rows: T[] = [];
  if (limit <= 0) return rows;
  const start = from === undefined ? undefined : bucketOf(from);
  const order =
    direction === 'older'
      ? bucketsDesc.filter((b) => start === undefined || b <= start)
      : bucketsDesc.filter((b) => start === undefined || b >= start).reverse();
  for (const bucket of order) {
    const page = await fetch({
      bucket,
      direction,
      ...(from === undefined ? {} : { from }),
      limit: limit - rows.length,
    });
    rows.push(...page);
    if (rows.length >= limit) break;
  }
  return rows.slice(0, limit);
}

/**
 * A page of history (port.ts HistoryQuery semantics), newest first, from a channel's non-empty
 * buckets in descending order and a reader of one bucket.
 */
export async function readHistory<T extends { id: string }>(
  query: Cursor,
  bucketsDesc: readonly number[],
  fetch: FetchBucket<T>,
): Promise<T[]> {
  const { limit } = query;
  if (query.before !== undefined) return walk(bucketsDesc, 'older', query.before, limit, fetch);
  if (query.after !== undefined)
    return (await walk(bucketsDesc, 'newer', query.after, limit, fetch)).reverse();
  if (query.around !== undefined) {
    // As the PostgreSQL timeline: the message itself and up to limit/2 older, the rest newer.
    const older = Math.floor(limit / 2);
    const justAfter = (BigInt(query.around) + 1n).toString();
    const [upTo, newer] = await Promise.all([
      walk(bucketsDesc, 'older', justAfter, older + 1, fetch),
      walk(bucketsDesc, 'newer', query.around, limit - older - 1, fetch),
    ]);
    return [...newer.reverse(), ...upTo].slice(0, limit);
  }
  return walk(bucketsDesc, 'older', undefined, limit, fetch);
}

/** Groups ids by bucket, for point reads (one query per partition). */
export function groupByBucket(ids: readonly string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const id of new Set(ids)) {
    const bucket = bucketOf(id);
    groups.set(bucket, [...(groups.get(bucket) ?? []), id]);
  }
  return groups;
}
