import { createMemoryStore } from '@gochat/cache';
import { describe, expect, it } from 'vitest';

import { createAuthRateLimits, inboxOf } from './rate-limit.ts';

describe('inboxOf', () => {
  it('folds the spellings that reach one inbox', () => {
    expect(inboxOf(' Ann@Example.TEST ')).toBe('ann@example.test');
    expect(inboxOf('ann+promo@example.test')).toBe('ann@example.test');
    expect(inboxOf('a.n.n+x@googlemail.com')).toBe('ann@gmail.com');
    expect(inboxOf('A.nn@gmail.com')).toBe('ann@gmail.com');
  });

  it('keeps what other providers may tell apart', () => {
    expect(inboxOf('a.nn@example.test')).toBe('a.nn@example.test');
    expect(inboxOf('+tag@example.test')).toBe('+tag@example.test');
  });
});

describe('per-inbox mail budget', () => {
  const rule = { points: 10, windowSeconds: 60 };
  const limits = () =>
    createAuthRateLimits(createMemoryStore(), {
      strict: rule,
      general: rule,
      mailPerAddress: { points: 2, windowSeconds: 600 },
    });

  it('is shared by every spelling of the address, and says how long to wait', async () => {
    const l = limits();
    expect(await l.mailTo('victim@example.test')).toBe(0);
    expect(await l.mailTo('Victim+1@example.test')).toBe(0);
    const wait = await l.mailTo('victim+2@EXAMPLE.test');
    expect(wait).toBeGreaterThan(590);
    expect(wait).toBeLessThanOrEqual(600);
    expect(await l.mailTo('other@example.test')).toBe(0);
  });

  it('two-factor endpoints spend the strict per-IP budget', async () => {
    const l = limits();
    for (let i = 0; i < rule.points; i++)
      expect(await l.checkPath('/two-factor/verify-totp', '10.0.0.1')).toBe(0);
    expect(await l.checkPath('/two-factor/verify-backup-code', '10.0.0.1')).toBeGreaterThan(0);
    expect(await l.checkPath('/two-factor/verify-totp', '10.0.0.2')).toBe(0);
    await expect(l.check('two-factor', '10.0.0.1')).rejects.toMatchObject({
      extensions: { code: 'RATE_LIMITED' },
    });
  });
});
