import { EPOCH_MS, createSnowflakeGenerator } from '@gochat/ids';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  BUCKET_MS,
  bucketOf,
  bucketStart,
  firstIdOfBucket,
  groupByBucket,
  readHistory,
  type BucketPage,
} from './buckets.ts';

const epoch = Number(EPOCH_MS);
const idAt = (ms: number, worker = 0, sequence = 0): bigint =>
  (BigInt(ms - epoch) << 22n) | (BigInt(worker) << 12n) | BigInt(sequence);

describe('bucketOf', () => {
  it('is 10-day windows since the GoChat epoch', () => {
    expect(BUCKET_MS).toBe(864_000_000);
    expect(bucketOf(idAt(epoch))).toBe(0);
    expect(bucketOf('0')).toBe(0);
    expect(bucketStart(0)).toBe(epoch);
    expect(bucketStart(3)).toBe(epoch + 3 * BUCKET_MS);
  });

  it('changes exactly at a window boundary, whatever the worker and sequence bits', () => {
    for (const k of [0, 1, 36, 500]) {
      const start = bucketStart(k);
      expect(bucketOf(idAt(start))).toBe(k);
      expect(bucketOf(idAt(start, 1023, 4095))).toBe(k);
      expect(bucketOf(idAt(start + BUCKET_MS - 1, 1023, 4095))).toBe(k);
      expect(bucketOf(idAt(start + BUCKET_MS))).toBe(k + 1);
      if (k > 0) expect(bucketOf(idAt(start - 1, 1023, 4095))).toBe(k - 1);
      expect(firstIdOfBucket(k)).toBe(idAt(start));
    }
  });

  it('agrees with ids from the snowflake generator', () => {
    let now = 0;
    const ids = createSnowflakeGenerator(7, () => now);
    for (const k of [0, 1, 2, 99, 1000]) {
      now = bucketStart(k);
      expect(bucketOf(ids.next())).toBe(k);
      now = bucketStart(k + 1) - 1;
      expect(bucketOf(ids.next())).toBe(k);
    }
  });

  it('handles the largest snowflake without losing precision', () => {
    const max = 0x7fff_ffff_ffff_ffffn;
    expect(bucketOf(max)).toBe(Math.floor((2 ** 41 - 1) / BUCKET_MS));
    expect(bucketOf(max.toString())).toBe(bucketOf(max));
  });

  it('is monotonic in the id, and each id lies in its bucket', () => {
    const id = fc.bigInt({ min: 0n, max: 0x7fff_ffff_ffff_ffffn });
    fc.assert(
      fc.property(id, id, (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(bucketOf(low)).toBeLessThanOrEqual(bucketOf(high));
        const bucket = bucketOf(a);
        expect(firstIdOfBucket(bucket) <= a).toBe(true);
        expect(a < firstIdOfBucket(bucket + 1)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('groups ids by bucket without duplicates', () => {
    const a = idAt(bucketStart(4)).toString();
    const b = idAt(bucketStart(4) + 5).toString();
    const c = idAt(bucketStart(9)).toString();
    expect([...groupByBucket([a, b, c, a])]).toEqual([
      [4, [a, b]],
      [9, [c]],
    ]);
  });
});

/** The reference: history over one sorted array, as the PostgreSQL timeline computes it. */
function reference(
  idsAsc: readonly bigint[],
  query: { limit: number; before?: bigint; after?: bigint; around?: bigint },
): bigint[] {
  const desc = [...idsAsc].reverse();
  const { limit } = query;
  if (query.before !== undefined) return desc.filter((id) => id < query.before!).slice(0, limit);
  if (query.after !== undefined)
    return idsAsc
      .filter((id) => id > query.after!)
      .slice(0, limit)
      .reverse();
  if (query.around !== undefined) {
    const older = Math.floor(limit / 2);
    const upTo = desc.filter((id) => id <= query.around!).slice(0, older + 1);
    const newer = idsAsc.filter((id) => id > query.around!).slice(0, limit - older - 1);
    return [...newer.reverse(), ...upTo].slice(0, limit);
  }
  return desc.slice(0, limit);
}

/** A channel as ScyllaDB holds it: rows per bucket, read one bucket page at a time. */
function modelChannel(idsAsc: readonly bigint[]) {
  const byBucket = new Map<number, bigint[]>();
  for (const id of idsAsc) byBucket.set(bucketOf(id), [...(byBucket.get(bucketOf(id)) ?? []), id]);
  const calls: Array<BucketPage & { returned: number }> = [];
  const fetch = (page: BucketPage) => {
    const rows = byBucket.get(page.bucket) ?? [];
    const from = page.from === undefined ? undefined : BigInt(page.from);
    const picked =
      page.direction === 'older'
        ? [...rows].reverse().filter((id) => from === undefined || id < from)
        : rows.filter((id) => from !== undefined && id > from);
    const result = picked.slice(0, page.limit).map((id) => ({ id: id.toString() }));
    calls.push({ ...page, returned: result.length });
    return Promise.resolve(result);
  };
  const bucketsDesc = [...byBucket.keys()].sort((a, b) => b - a);
  return { fetch, calls, bucketsDesc };
}

/** Message times: clustered in a few buckets (some at exact window edges), far apart elsewhere. */
const channelArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 0, maxLength: 25 })
  .chain((buckets) =>
    fc.tuple(
      ...buckets.map((bucket) =>
        fc
          .array(
            fc.record({
              offset: fc.oneof(
                fc.constant(0),
                fc.constant(BUCKET_MS - 1),
                fc.integer({ min: 0, max: BUCKET_MS - 1 }),
              ),
              worker: fc.integer({ min: 0, max: 1023 }),
              sequence: fc.integer({ min: 0, max: 4095 }),
            }),
            { minLength: 1, maxLength: 12 },
          )
          .map((rows) => rows.map((r) => idAt(bucketStart(bucket) + r.offset, r.worker, r.sequence))),
      ),
    ),
  )
  .map((perBucket) => [...new Set(perBucket.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

const queryArb = (idsAsc: readonly bigint[]) => {
  const cursor = fc.oneof(
    // an existing message, a neighbour of one, a window edge, or anywhere
    ...(idsAsc.length ? [fc.constantFrom(...idsAsc), fc.constantFrom(...idsAsc).map((id) => id + 1n)] : []),
    fc.integer({ min: 0, max: 402 }).map((b) => firstIdOfBucket(b)),
    fc.integer({ min: 0, max: 402 }).map((b) => firstIdOfBucket(b) - 1n),
    fc.bigInt({ min: 0n, max: firstIdOfBucket(402) }),
  );
  return fc.record({
    kind: fc.constantFrom('latest', 'before', 'after', 'around'),
    cursor: cursor.map((id) => (id < 0n ? 0n : id)),
    limit: fc.integer({ min: 1, max: 100 }),
  });
};

describe('readHistory over buckets', () => {
  it('matches the sorted-array reference for every cursor and limit, reading only what it needs', async () => {
    await fc.assert(
      fc.asyncProperty(
        channelArb.chain((ids) => fc.tuple(fc.constant(ids), fc.array(queryArb(ids), { minLength: 1 }))),
        async ([idsAsc, queries]) => {
          for (const q of queries) {
            const channel = modelChannel(idsAsc);
            const cursor = q.kind === 'latest' ? {} : { [q.kind]: q.cursor };
            const got = await readHistory(
              { limit: q.limit, ...(q.kind === 'latest' ? {} : { [q.kind]: q.cursor.toString() }) },
              channel.bucketsDesc,
              channel.fetch,
            );
            const want = reference(idsAsc, { limit: q.limit, ...cursor });
            expect(got.map((m) => BigInt(m.id))).toEqual(want);

            for (const direction of ['older', 'newer'] as const) {
              const calls = channel.calls.filter((c) => c.direction === direction);
              // Only listed buckets, each at most once, in walking order.
              const buckets = calls.map((c) => c.bucket);
              for (const b of buckets) expect(channel.bucketsDesc).toContain(b);
              expect(new Set(buckets).size).toBe(buckets.length);
              const sorted = [...buckets].sort((a, b) => (direction === 'older' ? b - a : a - b));
              expect(buckets).toEqual(sorted);
              // Only the cursor's own bucket may come back empty: nothing is scanned in vain.
              calls.slice(1).forEach((c) => expect(c.returned).toBeGreaterThan(0));
              // Each read asks only for what is still missing, so nothing is read past the limit.
              const read = calls.reduce((n, c) => n + c.returned, 0);
              expect(read).toBeLessThanOrEqual(q.limit);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pages through a channel spread over 200 buckets with no duplicate and no gap, both ways', async () => {
    const idsAsc: bigint[] = [];
    for (let b = 0; b < 200; b += 1 + (b % 3)) {
      for (let i = 0; i < 1 + (b % 7); i++) idsAsc.push(idAt(bucketStart(b) + 1 + i * 1_000_003));
      idsAsc.push(idAt(bucketStart(b) + BUCKET_MS - 1, 1023, 4095));
    }
    const channel = modelChannel(idsAsc);
    const seen: bigint[] = [];
    let page = await readHistory({ limit: 7 }, channel.bucketsDesc, channel.fetch);
    while (page.length) {
      seen.push(...page.map((m) => BigInt(m.id)));
      page = await readHistory({ limit: 7, before: page.at(-1)!.id }, channel.bucketsDesc, channel.fetch);
    }
    expect(seen).toEqual([...idsAsc].reverse());

    const forward: bigint[] = [];
    let after = '0';
    for (;;) {
      const newer = await readHistory({ limit: 9, after }, channel.bucketsDesc, channel.fetch);
      if (!newer.length) break;
      forward.push(...newer.map((m) => BigInt(m.id)).reverse());
      after = newer[0]!.id;
    }
    expect(forward).toEqual(idsAsc);
  });

  it('reads nothing for an empty channel and never asks for zero rows', async () => {
    const channel = modelChannel([]);
    expect(await readHistory({ limit: 50 }, [], channel.fetch)).toEqual([]);
    const one = modelChannel([idAt(bucketStart(3))]);
    expect(
      await readHistory({ limit: 1, around: idAt(bucketStart(3)).toString() }, one.bucketsDesc, one.fetch),
    ).toEqual([{ id: idAt(bucketStart(3)).toString() }]);
    expect(channel.calls).toEqual([]);
    expect(one.calls.every((c) => c.limit > 0)).toBe(true);
  });
});
