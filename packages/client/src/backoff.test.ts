import { describe, expect, it } from 'vitest';

import { fullJitterDelay } from './backoff.ts';

describe('fullJitterDelay', () => {
  it('spans [0, base * 2^attempt), capped at max', () => {
    const highest = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5].map((attempt) => fullJitterDelay(attempt, 500, 15_000, highest))).toEqual([
      499, 999, 1999, 3999, 7999, 14_999,
    ]);
    expect(fullJitterDelay(1_000, 500, 15_000, highest)).toBe(14_999);
    expect(fullJitterDelay(3, 500, 15_000, () => 0)).toBe(0);
    expect(fullJitterDelay(3, 500, 15_000, () => 0.5)).toBe(2000);
  });
});
