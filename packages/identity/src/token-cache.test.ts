import { describe, expect, it } from 'vitest';

import { TokenCache } from './token-cache.ts';

describe('TokenCache', () => {
  it('answer a value until its deadline, not at it', () => {
    const cache = new TokenCache<string>(10);
    cache.set('a', 'A', 1_000);
    expect(cache.get('a', 999)).toBe('A');
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('forget the oldest entry when full', () => {
    const cache = new TokenCache<number>(2);
    cache.set('a', 1, 10);
    cache.set('b', 2, 10);
    cache.set('c', 3, 10);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('b', 0)).toBe(2);
    expect(cache.get('c', 0)).toBe(3);
  });

  it('replace an entry under the same key without growing', () => {
    const cache = new TokenCache<number>(2);
    cache.set('a', 1, 10);
    cache.set('a', 2, 20);
    expect(cache.size).toBe(1);
    expect(cache.get('a', 15)).toBe(2);
  });
});
