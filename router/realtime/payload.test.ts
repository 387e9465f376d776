import fs from 'node:fs';
import { randomUUID } from 'node:crypto';

import type { BusEvent } from '@gochat/bus';
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { PayloadCache, type Selection } from './payload.ts';

const schema = buildSchema(fs.readFileSync('supergraph/api-schema.graphql', 'utf8'));
const selection = (query: string, key: string): Selection => ({
  schema,
  document: parse(query),
  operationName: null,
  variables: { channelId: 'c1' },
  field: 'channelEvents',
  key,
});
const event = (seq?: number): BusEvent => ({
  id: randomUUID(),
  type: 'MessageCreated',
  subject: 'channel.g1.c1.messages',
  occurredAt: '2026-11-21T12:00:00.000Z',
  data: { guildId: 'g1', channelId: 'c1', content: 'hi "there"' },
  ...(seq === undefined ? {} : { seq }),
});

describe('PayloadCache', () => {
  it('builds one payload per event and selection, shaped by the selection, with the cursor in extensions', () => {
    const builds: string[] = [];
    const cache = new PayloadCache((field) => builds.push(field));
    const plain = selection(
      'subscription ($channelId: ID!) { channelEvents(channelId: $channelId) { cursor type data } }',
      'a',
    );
    const aliased = selection(
      'subscription ($channelId: ID!) { feed: channelEvents(channelId: $channelId) { __typename kind: type } }',
      'b',
    );
    const e = event(42);
    const first = cache.payload(e, 'ep', plain);
    expect(cache.payload(e, 'ep', plain)).toBe(first); // the same bytes for the next subscriber
    expect(JSON.parse(first.toString('utf8'))).toEqual({
      data: { channelEvents: { cursor: 'ep.16', type: 'MessageCreated', data: e.data } },
      extensions: { cursor: 'ep.16' },
    });
    expect(JSON.parse(cache.payload(e, 'ep', aliased).toString('utf8'))).toEqual({
      data: { feed: { __typename: 'RealtimeEvent', kind: 'MessageCreated' } },
      extensions: { cursor: 'ep.16' },
    });
    expect(builds).toEqual(['channelEvents', 'channelEvents']);
    // An ephemeral event has no cursor at all.
    expect(JSON.parse(cache.payload(event(), 'ep', plain).toString('utf8'))).toEqual({
      data: { channelEvents: { cursor: null, type: 'MessageCreated', data: expect.any(Object) as object } },
    });
  });
});
