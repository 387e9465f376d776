import { describe, expect, it } from 'vitest';

import { embedderConfigSchema } from './config.ts';

describe('embedder config', () => {
  it('handles 64 messages at once unless told otherwise, whatever else workers.embedder sets', () => {
    const concurrency = (workers: unknown) =>
      embedderConfigSchema.parse({ workers }).workers.embedder.concurrency;
    expect(concurrency(undefined)).toBe(64);
    expect(concurrency({ embedder: { ackWaitMs: 5_000 } })).toBe(64);
    expect(concurrency({ embedder: { concurrency: 3 } })).toBe(3);
    expect(embedderConfigSchema.safeParse({ workers: { embedder: { nonsense: 1 } } }).success).toBe(false);
  });

  it('opens no private address by default, and reports every bad setting at once', () => {
    const defaults = embedderConfigSchema.parse({}).embeds;
    expect(defaults).toMatchObject({ allowAddresses: [], ports: [80, 443], excludedUrlPatterns: [] });
    const result = embedderConfigSchema.safeParse({
      embeds: { allowAddresses: ['127.0.0.1/32', 'localhost'], excludedUrlPatterns: ['('], ports: [0] },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'embeds.allowAddresses.1',
      'embeds.excludedUrlPatterns.0',
      'embeds.ports.0',
    ]);
  });
});
