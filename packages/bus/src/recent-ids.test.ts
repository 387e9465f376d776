import { describe, expect, it } from 'vitest';
import { createRecentIds } from './recent-ids.ts';

describe('createRecentIds', () => {
  it('reports repeats within the window and forgets them after it', () => {
    let now = 0;
    const ids = createRecentIds({ windowMs: 100, maxSize: 10, now: () => now });
    expect(ids.seen('a')).toBe(false);
    now = 99;
    expect(ids.seen('a')).toBe(true);
    now = 100;
    expect(ids.seen('a')).toBe(false);
  });

  it('keeps the window from first sight, like JetStream', () => {
    let now = 0;
    const ids = createRecentIds({ windowMs: 100, maxSize: 10, now: () => now });
    ids.seen('a');
    now = 60;
    expect(ids.seen('a')).toBe(true);
    now = 120;
    expect(ids.seen('a')).toBe(false);
  });

  it('evicts expired ids so memory stays bounded by the window', () => {
    let now = 0;
    const ids = createRecentIds({ windowMs: 10, maxSize: 1_000, now: () => now });
    for (let i = 0; i < 500; i++) {
      now = i;
      ids.seen(`id-${i}`);
    }
    expect(ids.size).toBeLessThanOrEqual(10);
  });

  it('never holds more than maxSize ids, forgetting the oldest first', () => {
    const ids = createRecentIds({ windowMs: 60_000, maxSize: 3, now: () => 0 });
    for (const id of ['a', 'b', 'c', 'd']) ids.seen(id);
    expect(ids.size).toBe(3);
    expect(ids.seen('d')).toBe(true);
    expect(ids.seen('a')).toBe(false);
  });
});
