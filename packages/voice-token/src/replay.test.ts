import { describe, expect, it } from 'vitest';

import { createReplayGuard } from './replay.ts';

const T0 = Date.UTC(2025, 0, 1);

function clock(start = T0): { now: () => number; advance: (ms: number) => void } {
  let at = start;
  return { now: () => at, advance: (ms) => (at += ms) };
}

describe('createReplayGuard', () => {
  it('admits a token id once and refuses its replay while unexpired', () => {
    const time = clock();
    const guard = createReplayGuard({ now: time.now });
    const expiresAt = new Date(T0 + 60_000);
    expect(guard.admit('t1', expiresAt)).toBe(true);
    expect(guard.admit('t1', expiresAt)).toBe(false);
    time.advance(59_999);
    expect(guard.admit('t1', expiresAt)).toBe(false);
    expect(guard.admit('t2', expiresAt)).toBe(true);
  });

  it('forgets an id once it expires, and admits it again', () => {
    const time = clock();
    const guard = createReplayGuard({ now: time.now });
    expect(guard.admit('t1', new Date(T0 + 60_000))).toBe(true);
    expect(guard.size).toBe(1);
    time.advance(60_000);
    expect(guard.admit('t1', new Date(T0 + 120_000))).toBe(true);
    expect(guard.size).toBe(1);
    expect(guard.admit('t1', new Date(T0 + 120_000))).toBe(false);
  });

  it('prunes expired entries on every call', () => {
    const time = clock();
    const guard = createReplayGuard({ now: time.now });
    for (let index = 0; index < 1000; index += 1) guard.admit(`t${index}`, new Date(T0 + 10_000 + index));
    expect(guard.size).toBe(1000);
    time.advance(10_500);
    guard.admit('late', new Date(T0 + 60_000));
    expect(guard.size).toBe(500);
  });

  it('refuses a token that has already expired', () => {
    const guard = createReplayGuard({ now: () => T0 });
    expect(guard.admit('t1', new Date(T0))).toBe(false);
    expect(guard.admit('t1', new Date(T0 - 1))).toBe(false);
    expect(guard.size).toBe(0);
  });

  it('stays bounded when fed 200 000 distinct ids, and still refuses recent replays', () => {
    const guard = createReplayGuard({ now: () => T0 });
    let admitted = 0;
    let largest = 0;
    for (let index = 0; index < 200_000; index += 1) {
      if (guard.admit(`t${index}`, new Date(T0 + 3_600_000 + index))) admitted += 1;
      largest = Math.max(largest, guard.size);
    }
    // A full guard evicts rather than refusing: every new token still gets in.
    expect(admitted).toBe(200_000);
    expect(largest).toBe(100_000);
    expect(guard.size).toBe(100_000);
    expect(guard.admit('t199999', new Date(T0 + 3_600_000 + 199_999))).toBe(false);
    expect(guard.admit('t100000', new Date(T0 + 3_600_000 + 100_000))).toBe(false);
  });

  it('evicts the entry closest to expiring when full, not the newest', () => {
    const guard = createReplayGuard({ now: () => T0, maxEntries: 2 });
    expect(guard.admit('late', new Date(T0 + 30_000))).toBe(true);
    expect(guard.admit('soon', new Date(T0 + 10_000))).toBe(true);
    expect(guard.admit('middle', new Date(T0 + 20_000))).toBe(true);
    expect(guard.size).toBe(2);
    expect(guard.admit('late', new Date(T0 + 30_000))).toBe(false);
    expect(guard.admit('middle', new Date(T0 + 20_000))).toBe(false);
    expect(guard.admit('soon', new Date(T0 + 10_000))).toBe(true);
  });

  it('refuses bad arguments with a TypeError', () => {
    const guard = createReplayGuard();
    expect(() => guard.admit('', new Date(Date.now() + 1000))).toThrow(TypeError);
    expect(() => guard.admit('t1', new Date(Number.NaN))).toThrow(TypeError);
    expect(() => guard.admit('t1', 123 as unknown as Date)).toThrow(TypeError);
    expect(() => createReplayGuard({ maxEntries: 0 })).toThrow(TypeError);
  });
});
