import { EPOCH_MS, createSnowflakeGenerator, snowflakeTime } from '@gochat/ids';
import { describe, expect, it } from 'vitest';

import { snowflakeFloor } from './moderation.ts';

describe('snowflakeFloor', () => {
  const at = new Date('2026-03-04T05:06:07.089Z');

  it('is the smallest id of its millisecond: worker and sequence bits zero', () => {
    const floor = BigInt(snowflakeFloor(at));
    expect(snowflakeTime(floor).toISOString()).toBe(at.toISOString());
    expect(floor & ((1n << 22n) - 1n)).toBe(0n);
  });

  it('bounds the ids issued from that instant on, and no earlier one', () => {
    const floor = BigInt(snowflakeFloor(at));
    for (const worker of [0, 1, 513, 1023]) {
      const atIt = createSnowflakeGenerator(worker, () => at.getTime());
      expect(atIt.nextBigInt()).toBeGreaterThanOrEqual(floor);
      expect(atIt.nextBigInt()).toBeGreaterThanOrEqual(floor);
      expect(createSnowflakeGenerator(worker, () => at.getTime() + 1).nextBigInt()).toBeGreaterThan(floor);
      expect(createSnowflakeGenerator(worker, () => at.getTime() - 1).nextBigInt()).toBeLessThan(floor);
    }
  });

  it('is 0 at and before the epoch', () => {
    expect(snowflakeFloor(new Date(Number(EPOCH_MS)))).toBe('0');
    expect(snowflakeFloor(new Date(0))).toBe('0');
  });
});
