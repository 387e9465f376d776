import { describe, expect, it } from 'vitest';

import { createSnowflakeGenerator, isSnowflake, snowflakeTime } from './snowflake.ts';

describe('snowflake ids', () => {
  it('are strictly increasing within one generator, even past 4096 ids in one millisecond', () => {
    const gen = createSnowflakeGenerator(1, () => 1_750_000_000_000);
    let previous = 0n;
    for (let i = 0; i < 10_000; i++) {
      const id = gen.nextBigInt();
      expect(id > previous).toBe(true);
      previous = id;
    }
  });

  it('never collide across workers issuing in the same millisecond', () => {
    const now = () => 1_750_000_000_000;
    const a = createSnowflakeGenerator(1, now);
    const b = createSnowflakeGenerator(2, now);
    const ids = new Set<string>();
    for (let i = 0; i < 2_000; i++) ids.add(a.next()).add(b.next());
    expect(ids.size).toBe(4_000);
  });

  it('do not go backwards when the clock does', () => {
    let t = 1_750_000_000_000;
    const gen = createSnowflakeGenerator(0, () => t);
    const first = gen.nextBigInt();
    t -= 5_000;
    expect(gen.nextBigInt() > first).toBe(true);
  });

  it('encode their creation time', () => {
    const gen = createSnowflakeGenerator(7, () => Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    expect(snowflakeTime(gen.next()).toISOString()).toBe('2026-01-02T03:04:05.006Z');
  });

  it('reject worker ids out of range', () => {
    expect(() => createSnowflakeGenerator(1024)).toThrow(RangeError);
    expect(() => createSnowflakeGenerator(-1)).toThrow(RangeError);
  });

  it('validates id strings', () => {
    expect(isSnowflake('123')).toBe(true);
    expect(isSnowflake('9223372036854775807')).toBe(true);
    expect(isSnowflake('9223372036854775808')).toBe(false);
    expect(isSnowflake('-1')).toBe(false);
    expect(isSnowflake('12a')).toBe(false);
    expect(isSnowflake('')).toBe(false);
  });
});
