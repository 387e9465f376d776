import { createSnowflakeGenerator } from '@gochat/ids';

import type { SearchDocument, SearchRequest } from '../port.ts';

/** Builds documents and requests for the contract suite: ids in time order, sensible defaults. */
export function documentFactory(now = Date.now()) {
  let clock = now - 3_600_000;
  const ids = createSnowflakeGenerator(7, () => clock);
  return {
    /** A document sent `minutesAgo` before now (ids follow time). */
    doc(overrides: Partial<SearchDocument> & { content: string }, minutesAgo?: number): SearchDocument {
      clock = minutesAgo === undefined ? clock + 1000 : now - minutesAgo * 60_000;
      const id = ids.next();
      return {
        id,
        guildId: '100',
        channelId: '200',
        parentChannelId: '200',
        authorId: 'alice',
        mentions: { users: [], roles: [], everyone: false },
        has: [],
        pinned: false,
        version: clock,
        ...overrides,
      };
    },
  };
}

/** A request over guild 100's channels 200 and 201, newest first, 25 a page. */
export const request = (overrides: Partial<SearchRequest> = {}): SearchRequest => ({
  guildId: '100',
  parentChannelIds: ['200', '201'],
  terms: [],
  phrases: [],
  excluded: [],
  sort: 'newest',
  limit: 25,
  ...overrides,
});
