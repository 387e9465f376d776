import type { PresenceChange } from '@gochat/presence';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { PresenceCoalescer } from './presence-coalescer.ts';

const change = (userId: string, status: 'online' | 'idle' | 'dnd' | 'offline', audience = ['g1']) =>
  ({
    userId,
    before: { userId, status: 'offline', customStatus: null },
    after: { userId, status, customStatus: null },
    audience,
  }) as PresenceChange;

describe('PresenceCoalescer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup() {
    vi.useFakeTimers();
    const sent: PresenceChange[] = [];
    const errors: unknown[] = [];
    const coalescer = new PresenceCoalescer(
      1_000,
      (c) => {
        sent.push(c);
        return Promise.resolve();
      },
      (e) => errors.push(e),
    );
    return { coalescer, sent, errors };
  }

  it('publishes a burst of 300 changes as the first one now and the latest one at the window end', async () => {
    const { coalescer, sent } = setup();
    const statuses = ['online', 'idle', 'dnd'] as const;
    for (let i = 0; i < 300; i++) await coalescer.offer(change('u1', statuses[i % 3]!));
    expect(sent.map((c) => c.after.status)).toEqual(['online']);
    await vi.advanceTimersByTimeAsync(1_000);
    // The 300th change (i = 299) is 'dnd'.
    expect(sent.map((c) => c.after.status)).toEqual(['online', 'dnd']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toHaveLength(2);
  });

  it('sends nothing at the window end when the state is back to what was last published', async () => {
    const { coalescer, sent } = setup();
    await coalescer.offer(change('u1', 'online'));
    await coalescer.offer(change('u1', 'idle'));
    await coalescer.offer(change('u1', 'online'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent.map((c) => c.after.status)).toEqual(['online']);
  });

  it('keeps users apart, tells every guild of the window, and flushes on demand', async () => {
    const { coalescer, sent } = setup();
    await coalescer.offer(change('u1', 'online', ['g1']));
    await coalescer.offer(change('u2', 'online', ['g1']));
    await coalescer.offer(change('u1', 'idle', ['g1']));
    await coalescer.offer(change('u1', 'dnd', ['g2']));
    expect(sent.map((c) => [c.after.userId, c.after.status])).toEqual([
      ['u1', 'online'],
      ['u2', 'online'],
    ]);
    await coalescer.flushAll();
    expect(sent.at(-1)).toMatchObject({ after: { userId: 'u1', status: 'dnd' }, audience: ['g1', 'g2'] });
  });

  it('reports a failed deferred publish instead of throwing where nobody awaits', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let calls = 0;
    const coalescer = new PresenceCoalescer(
      1_000,
      () => (++calls === 1 ? Promise.resolve() : Promise.reject(new Error('bus down'))),
      (e) => errors.push(e),
    );
    await coalescer.offer(change('u1', 'online'));
    await coalescer.offer(change('u1', 'idle'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveLength(1);
  });
});
