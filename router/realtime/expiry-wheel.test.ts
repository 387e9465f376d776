import { afterEach, describe, expect, it } from 'vitest';

import { ExpiryWheel } from './expiry-wheel.ts';

describe('ExpiryWheel', () => {
  const wheels: ExpiryWheel<string>[] = [];
  afterEach(() => wheels.splice(0).forEach((w) => w.stop()));

  it('expires each item once, not before its deadline, and never a removed one', () => {
    let now = 10_000;
    const expired: string[] = [];
    const wheel = new ExpiryWheel<string>(
      (item) => expired.push(item),
      () => now,
      1_000,
    );
    wheels.push(wheel);
    const a = wheel.add('a', 11_500);
    wheel.add('b', 12_000);
    const c = wheel.add('c', 12_000);
    wheel.remove('c', c);
    now = 11_400;
    wheel.tick();
    expect(expired).toEqual([]);
    now = 12_000;
    wheel.tick();
    expect(expired).toEqual(['a', 'b']);
    wheel.tick();
    expect(expired).toEqual(['a', 'b']);
    expect(wheel.size).toBe(0);
    wheel.remove('a', a); // already expired: harmless
  });
});
