import type { API } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';

import { TOMBSTONE_VERSION } from '../port.ts';
import { documentFactory } from '../testing/documents.ts';
import { tombstoneSource } from './documents.ts';
import { documentOps, tombstoneOps } from './writer.ts';
import { bulkBody, bulkOutcome, type WriteOp, type WriteTarget } from './writes.ts';

const live: WriteTarget = { index: 'm', requireAlias: true, optional: false };
const building: WriteTarget = { index: 'm-building', requireAlias: true, optional: true };
const concrete: WriteTarget = { index: 'm-123', requireAlias: false, optional: false };
const op = (id: string): WriteOp => ({
  id,
  routing: 'g1',
  version: 7,
  source: tombstoneSource({ id, guildId: 'g1' }, 1),
});

type Item = API.Bulk_ResponseBody['items'][number];
const ok = (index: string): Item => ({ index: { _index: index, status: 201 } });
const failed = (index: string, status: number, type: string): Item => ({
  index: { _index: index, status, error: { type, reason: `${type} details` } },
});
const response = (items: Item[]): API.Bulk_ResponseBody => ({ took: 1, errors: true, items });

describe('bulk bodies', () => {
  it('writes every op to every target, externally versioned and routed', () => {
    const body = bulkBody([live, building], [op('1'), op('2')]);
    expect(body).toHaveLength(8);
    expect(body[0]).toEqual({
      index: {
        _index: 'm',
        _id: '1',
        routing: 'g1',
        version: 7,
        version_type: 'external_gte',
        require_alias: true,
      },
    });
    expect(body[1]).toEqual(op('1').source);
    expect(body[6]).toMatchObject({ index: { _index: 'm-building', _id: '2' } });
  });

  it('does not require an alias when writing a concrete index', () => {
    expect(bulkBody([concrete], [op('1')])[0]).toEqual({
      index: { _index: 'm-123', _id: '1', routing: 'g1', version: 7, version_type: 'external_gte' },
    });
  });
});

describe('bulk results', () => {
  it('counts version conflicts as success: an older write lost', () => {
    const outcome = bulkOutcome(
      [live],
      [op('1'), op('2')],
      response([ok('m'), failed('m', 409, 'version_conflict_engine_exception')]),
    );
    expect(outcome).toEqual({ failures: [], optionalGone: false });
  });

  it('ignores a vanished building alias but not a vanished live one', () => {
    const outcome = bulkOutcome(
      [live, building],
      [op('1')],
      response([
        failed('m', 404, 'index_not_found_exception'),
        failed('m-building', 404, 'index_not_found_exception'),
      ]),
    );
    expect(outcome.optionalGone).toBe(true);
    expect(outcome.failures).toEqual([
      {
        id: '1',
        index: 'm',
        status: 404,
        type: 'index_not_found_exception',
        reason: 'index_not_found_exception details',
      },
    ]);
  });

  it('reports other failures with the op they belong to', () => {
    const outcome = bulkOutcome(
      [live, building],
      [op('1'), op('2')],
      response([
        ok('m'),
        ok('m'),
        ok('m-building'),
        failed('m-building', 429, 'es_rejected_execution_exception'),
      ]),
    );
    expect(outcome.failures).toEqual([
      expect.objectContaining({
        id: '2',
        index: 'm-building',
        status: 429,
        type: 'es_rejected_execution_exception',
      }),
    ]);
  });
});

describe('write ops', () => {
  it('sends each message once, at its newest version, routed by guild', () => {
    const factory = documentFactory();
    const a = factory.doc({ content: 'a', guildId: null });
    const ops = documentOps([
      a,
      { ...a, content: 'newer', version: a.version + 1 },
      { ...a, version: a.version - 1 },
    ]);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({
      id: a.id,
      routing: 'dm',
      version: a.version + 1,
      source: { content: 'newer' },
    });
  });

  it('tombstones each message once, at the tombstone version', () => {
    const ops = tombstoneOps([
      { id: '5', guildId: 'g' },
      { id: '5', guildId: 'g' },
    ]);
    expect(ops).toEqual([
      {
        id: '5',
        routing: 'g',
        version: TOMBSTONE_VERSION,
        source: expect.objectContaining({ deleted: true }),
      },
    ]);
  });
});
