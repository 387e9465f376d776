import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { compareIds, createCache } from './cache.ts';

const HISTORY = parse(`query History($channelId: ID!, $before: ID, $after: ID) {
  messages(channelId: $channelId, before: $before, after: $after) { id }
}`);

const page = (...ids: number[]) => ({
  messages: ids.map((id) => ({ __typename: 'Message', id: String(id) })),
});

describe("a channel's history in the cache", () => {
  it('merges pages from either side, and overlapping ones, into one list in id order', () => {
    const cache = createCache();
    const write = (data: ReturnType<typeof page>, variables: Record<string, string>) =>
      cache.writeQuery({ query: HISTORY, variables: { channelId: 'c', ...variables }, data });
    const read = () =>
      cache
        .readQuery<ReturnType<typeof page>>({ query: HISTORY, variables: { channelId: 'c' } })
        ?.messages.map((m) => m.id);

    // Pages come newest first, as the API sends them.
    write(page(102, 101, 100), {});
    write(page(99, 98, 97), { before: '100' });
    write(page(104, 103), { after: '102' });
    expect(read()).toEqual(['97', '98', '99', '100', '101', '102', '103', '104']);
    // An overlapping page (a resume, a jump) neither repeats nor reorders.
    write(page(105, 100, 99, 96), { before: '101' });
    expect(read()).toEqual(['96', '97', '98', '99', '100', '101', '102', '103', '104', '105']);
    // Out of order (not a page the API sends): still merged and sorted.
    write(page(106, 95, 107), {});
    expect(read()?.slice(0, 2)).toEqual(['95', '96']);
    expect(read()?.slice(-2)).toEqual(['106', '107']);
    // Another channel's history is its own list.
    cache.writeQuery({ query: HISTORY, variables: { channelId: 'd' }, data: page(1) });
    expect(read()).toHaveLength(13);
  });

  it('orders snowflake ids by length first: 99 < 100', () => {
    expect(['100', '99', '1000', '101'].sort(compareIds)).toEqual(['99', '100', '101', '1000']);
  });
});
