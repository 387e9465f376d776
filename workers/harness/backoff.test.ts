import { describe, expect, it } from 'vitest';

import { retryDelay } from './backoff.ts';

describe('retryDelay', () => {
  const settings = { retryBaseMs: 1_000, retryMaxMs: 10_000 };

  it('doubles from the base at each delivery, up to the cap', () => {
    const upper = (d: number) => retryDelay(d, settings, () => 1);
    expect([1, 2, 3, 4, 5, 9].map(upper)).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it('keeps at least half of the delay and randomizes the rest', () => {
    expect(retryDelay(3, settings, () => 0)).toBe(2_000);
    expect(retryDelay(3, settings, () => 0.5)).toBe(3_000);
  });
});
