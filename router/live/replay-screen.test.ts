import { DomainError } from '@gochat/errors';
import type { EventType } from '@gochat/events';
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';

import type { Principal } from '../principal.ts';
import { screenHistory } from './replay-screen.ts';
import type { Runner } from './runner.ts';
import { dataOf, liveEvent } from './test-events.ts';

const VIEWER: Principal = { kind: 'user', userId: 'me', expiresAt: Date.now() + 60_000 };
const message = (
  type: EventType,
  channelId: string,
  messageId: string,
  extra: Record<string, unknown> = {},
) =>
  liveEvent(type, `channel.g1.${channelId}.messages`, {
    guildId: 'g1',
    channelId,
    parentChannelId: channelId,
    messageId,
    content: `text ${messageId}`,
    ...extra,
  });

/** The store as the viewer sees it: which messages still exist, per channel. */
function store(existing: Record<string, string[]>, refuse: Record<string, string> = {}) {
  const calls: { channelId: string; ids: string[] }[] = [];
  const run: Runner = (_document, variables) => {
    const { channelId, ids } = variables as { channelId: string; ids: string[] };
    calls.push({ channelId, ids });
    const code = refuse[channelId];
    if (code)
      return Promise.resolve({
        errors: [{ message: code, extensions: { code } }],
      } as unknown as ExecutionResult);
    const kept = ids.filter((id) => existing[channelId]?.includes(id));
    return Promise.resolve({ data: { messagesByIds: kept.map((id) => ({ id })) } });
  };
  return { run, calls };
}

describe('screening a replay against history', () => {
  const readable = (_guild: string | null, channelId: string) => channelId !== 'no-history';

  it('keeps what history shows and drops the rest', async () => {
    const { run, calls } = store({ c1: ['m1', 'm3'] });
    const events = [
      message('MessageCreated', 'c1', 'm1'),
      message('MessageCreated', 'c1', 'm2'), // deleted since
      message('MessageUpdated', 'c1', 'm2'),
      message('MessageDeleted', 'c1', 'm2'),
      message('ReactionAdded', 'c1', 'm3'),
      message('MessageCreated', 'no-history', 'x1'),
      message('ReactionAdded', 'no-history', 'x1'),
      message('ThreadCreated', 'no-history', 'x1'), // not history: decide() filters it by sight
    ];
    const kept = await screenHistory(run, VIEWER, events, readable);
    expect(kept.map((e) => `${e.type} ${String(dataOf(e).messageId)}`)).toEqual([
      'MessageCreated m1',
      'MessageDeleted m2',
      'ReactionAdded m3',
      'ThreadCreated x1',
    ]);
    // One lookup for the channel whose history may be read, none for the other.
    expect(calls).toEqual([{ channelId: 'c1', ids: ['m1', 'm2'] }]);
  });

  it('looks messages up 100 at a time, and drops a channel the store refuses', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `m${i}`);
    const { run, calls } = store({ c1: ids }, { gone: 'NOT_FOUND' });
    const events = [
      ...ids.map((id) => message('MessageCreated', 'c1', id)),
      message('MessageCreated', 'gone', 'g1'),
    ];
    const kept = await screenHistory(run, VIEWER, events, readable);
    expect(kept).toHaveLength(250);
    expect(calls.map((c) => [c.channelId, c.ids.length])).toEqual([
      ['c1', 100],
      ['c1', 100],
      ['c1', 50],
      ['gone', 1],
    ]);
  });

  it('answers SERVICE_UNAVAILABLE when the store cannot say', async () => {
    const { run } = store({}, { c1: 'INTERNAL_SERVER_ERROR' });
    await expect(
      screenHistory(run, VIEWER, [message('MessageCreated', 'c1', 'm1')], readable),
    ).rejects.toSatisfy((e) => e instanceof DomainError && e.extensions.code === 'SERVICE_UNAVAILABLE');
  });
});
