import { describe, expect, it } from 'vitest';

import { parseReindexArgs } from './reindex.ts';

describe('gochat reindex arguments', () => {
  it('reads the scope and page size', () => {
    expect(parseReindexArgs([])).toEqual({ scope: { kind: 'all' } });
    expect(parseReindexArgs(['--guild', '12'])).toEqual({ scope: { kind: 'guild', guildId: '12' } });
    expect(parseReindexArgs(['--channel', '34', '--page-size', '5'])).toEqual({
      scope: { kind: 'channel', channelId: '34' },
      pageSize: 5,
    });
  });

  it('refuses unknown options and ids that are not numbers', () => {
    expect(() => parseReindexArgs(['--guild'])).toThrow('--guild needs a numeric id');
    expect(() => parseReindexArgs(['--channel', 'general'])).toThrow('--channel needs a numeric id');
    expect(() => parseReindexArgs(['--everything'])).toThrow('Unknown reindex option');
  });
});
