import type { API } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';

import type { SearchRequest } from '../port.ts';
import { padId } from './documents.ts';
import { buildSearch, parseHighlights, readPage, TOTAL_CAP } from './query.ts';

const base = (overrides: Partial<SearchRequest> = {}): SearchRequest => ({
  guildId: '100',
  parentChannelIds: ['200', '201'],
  terms: [],
  phrases: [],
  excluded: [],
  sort: 'newest',
  limit: 25,
  ...overrides,
});

/** The bool query of a plan, typed loosely for assertions. */
const boolOf = (request: SearchRequest) => {
  const { body } = buildSearch(request, 'messages').params;
  return (body.query as { bool: Record<string, unknown[]> }).bool;
};

describe('search requests', () => {
  it('asks one shard of the alias, filters to the guild and channels, hides tombstones', () => {
    const plan = buildSearch(base(), 'messages');
    expect(plan.params.index).toBe('messages');
    expect(plan.params.routing).toBe('100');
    expect(plan.params.body.query).toEqual({
      bool: {
        filter: [
          { term: { deleted: false } },
          { terms: { parent_channel_id: ['200', '201'] } },
          { term: { guild_id: '100' } },
        ],
      },
    });
    expect(plan.params.body.track_total_hits).toBe(TOTAL_CAP);
    expect(plan.params.body.size).toBe(26);
    expect(plan.params.body.highlight).toBeUndefined();
  });

  it('searches DMs by the absence of a guild, routed together', () => {
    const plan = buildSearch(base({ guildId: null }), 'messages');
    expect(plan.params.routing).toBe('dm');
    expect(boolOf(base({ guildId: null })).filter).toContainEqual({
      bool: { must_not: [{ exists: { field: 'guild_id' } }] },
    });
  });

  it('turns every optional filter into a filter clause', () => {
    const before = new Date('2026-01-02T00:00:00.000Z');
    const after = new Date('2026-01-01T00:00:00.000Z');
    const filter = boolOf(
      base({
        channelIds: ['300'],
        authorIds: ['a1'],
        mentionUserIds: ['u1', 'u2'],
        mentionRoleIds: ['r1'],
        mentionsEveryone: true,
        has: ['file', 'image'],
        before,
        after,
        pinned: false,
        inThread: true,
      }),
    ).filter;
    expect(filter).toEqual(
      expect.arrayContaining([
        { terms: { channel_id: ['300'] } },
        { terms: { author_id: ['a1'] } },
        { terms: { mentions_users: ['u1', 'u2'] } },
        { terms: { mentions_roles: ['r1'] } },
        { term: { mentions_everyone: true } },
        { term: { has: 'file' } },
        { term: { has: 'image' } },
        {
          range: {
            created_at: {
              format: 'epoch_millis',
              gte: String(after.getTime()),
              lt: String(before.getTime()),
            },
          },
        },
        { term: { pinned: false } },
        { term: { in_thread: true } },
      ]),
    );
  });

  it('leaves out empty and unset filters', () => {
    const filter = boolOf(base({ channelIds: [], authorIds: [], has: [], mentionsEveryone: false })).filter;
    expect(filter).toHaveLength(3);
  });

  it('requires every word and phrase, excludes the exclusions, and highlights only what was looked for', () => {
    const request = base({
      terms: ['creme', 'brulee'],
      phrases: ['red green'],
      excluded: ['blue', 'dark red'],
    });
    const bool = boolOf(request);
    const positive = [
      { match: { content: { query: 'creme', operator: 'and' } } },
      { match: { content: { query: 'brulee', operator: 'and' } } },
      { match_phrase: { content: { query: 'red green' } } },
    ];
    expect(bool.must).toEqual(positive);
    expect(bool.must_not).toEqual([
      { match_phrase: { content: { query: 'blue' } } },
      { match_phrase: { content: { query: 'dark red' } } },
    ]);
    const highlight = buildSearch(request, 'messages').params.body.highlight;
    expect(highlight).toMatchObject({
      pre_tags: ['\u0002'],
      post_tags: ['\u0003'],
      fields: {
        content: {
          fragment_size: 150,
          number_of_fragments: 3,
          highlight_query: { bool: { should: positive } },
        },
      },
    });
  });

  it('sorts newest and oldest by seq and continues after the cursor id', () => {
    const newest = buildSearch(base({ cursor: { kind: 'id', id: '12345' } }), 'messages');
    expect(newest.params.body.sort).toEqual([{ seq: { order: 'desc' } }]);
    expect(newest.params.body.search_after).toEqual([padId('12345')]);
    expect(newest.params.body.from).toBeUndefined();
    const oldest = buildSearch(base({ sort: 'oldest' }), 'messages');
    expect(oldest.params.body.sort).toEqual([{ seq: { order: 'asc' } }]);
    expect(oldest.params.body.search_after).toBeUndefined();
  });

  it('ranks by score, ties newest first, paging by offset', () => {
    const plan = buildSearch(
      base({ terms: ['x'], sort: 'relevance', limit: 10, cursor: { kind: 'offset', offset: 20 } }),
      'm',
    );
    expect(plan.relevance).toBe(true);
    expect(plan.params.body.sort).toEqual([{ _score: { order: 'desc' } }, { seq: { order: 'desc' } }]);
    expect(plan.params.body.from).toBe(20);
    expect(plan.params.body.size).toBe(11);
    // Never past index.max_result_window.
    const deep = buildSearch(
      base({ terms: ['x'], sort: 'relevance', limit: 10, cursor: { kind: 'offset', offset: 9995 } }),
      'm',
    );
    expect(deep.params.body.size).toBe(5);
  });

  it('falls back to newest first when relevance has no words to rank by', () => {
    const plan = buildSearch(base({ sort: 'relevance', cursor: { kind: 'id', id: '7' } }), 'm');
    expect(plan.relevance).toBe(false);
    expect(plan.params.body.sort).toEqual([{ seq: { order: 'desc' } }]);
    expect(plan.params.body.search_after).toEqual([padId('7')]);
  });

  it('refuses an id cursor for relevance, and honours an offset in a time sort', () => {
    const relevance = base({ terms: ['x'], sort: 'relevance', cursor: { kind: 'id', id: '7' } });
    expect(() => buildSearch(relevance, 'm')).toThrow(RangeError);
    const offset = buildSearch(base({ cursor: { kind: 'offset', offset: 3 } }), 'm');
    expect(offset.params.body.from).toBe(3);
    expect(offset.params.body.search_after).toBeUndefined();
  });
});

describe('search responses', () => {
  const hit = (id: string, highlight?: string[]) => ({
    _id: id,
    _source: { guild_id: '100' as string | null, channel_id: '300', parent_channel_id: '200' },
    ...(highlight ? { highlight: { content: highlight } } : {}),
  });
  const response = (hits: ReturnType<typeof hit>[], total: { value: number; relation: 'eq' | 'gte' }) =>
    ({
      took: 1,
      timed_out: false,
      _shards: { total: 1, successful: 1, failed: 0 },
      hits: { hits, total, max_score: null },
    }) as unknown as API.Search_ResponseBody;

  it('returns the page, the next id cursor when one more hit came back, and the exact total', () => {
    const plan = buildSearch(base({ limit: 2 }), 'm');
    const page = readPage(plan, response([hit('3'), hit('2'), hit('1')], { value: 3, relation: 'eq' }));
    expect(page.hits.map((h) => h.id)).toEqual(['3', '2']);
    expect(page.hits[0]).toEqual({
      id: '3',
      guildId: '100',
      channelId: '300',
      parentChannelId: '200',
      highlights: [],
    });
    expect(page.next).toEqual({ kind: 'id', id: '2' });
    expect(page).toMatchObject({ total: 3, totalIsExact: true });
  });

  it('continues relevance by offset, stops on a short page, and reports a capped total as a lower bound', () => {
    const plan = buildSearch(
      base({ terms: ['x'], sort: 'relevance', limit: 2, cursor: { kind: 'offset', offset: 4 } }),
      'm',
    );
    const more = readPage(
      plan,
      response([hit('9'), hit('8'), hit('7')], { value: TOTAL_CAP, relation: 'gte' }),
    );
    expect(more.next).toEqual({ kind: 'offset', offset: 6 });
    expect(more).toMatchObject({ total: TOTAL_CAP, totalIsExact: false });
    const last = readPage(plan, response([hit('9')], { value: 5, relation: 'eq' }));
    expect(last.next).toBeNull();
  });

  it('reads DM hits as guildless, and highlights as text with ranges', () => {
    const plan = buildSearch(base({ guildId: null, terms: ['needle'] }), 'm');
    const dm = {
      ...hit('5', ['the \u0002Needle\u0003 in']),
      _source: { guild_id: null, channel_id: '6', parent_channel_id: '6' },
    };
    const page = readPage(plan, response([dm], { value: 1, relation: 'eq' }));
    expect(page.hits[0]).toMatchObject({
      guildId: null,
      highlights: [{ text: 'the Needle in', ranges: [[4, 10]] }],
    });
  });
});

describe('highlight fragments', () => {
  it('strips the markers, records every range, trims, and drops fragments without a match', () => {
    expect(parseHighlights([' \u0002a\u0003 and \u0002bc\u0003. ', 'no match here'])).toEqual([
      {
        text: 'a and bc.',
        ranges: [
          [0, 1],
          [6, 8],
        ],
      },
    ]);
    expect(parseHighlights(undefined)).toEqual([]);
  });

  it('counts ranges in UTF-16 code units', () => {
    expect(parseHighlights(['😀 \u0002ünïcode\u0003'])).toEqual([{ text: '😀 ünïcode', ranges: [[3, 10]] }]);
  });
});
