import { describe, expect, it } from 'vitest';

import { customEmojiIds, rewriteCustomEmoji } from './custom-emoji.ts';

describe('custom emoji tags', () => {
  it('finds the ids of well-formed tags, static and animated, once each', () => {
    expect(customEmojiIds('<:blob:123> <a:dance:456> <:blob:123> <:x:789> <:name:abc> <:n_2:0123>')).toEqual([
      '123',
      '456',
    ]);
  });

  it('rewrites the tags of emoji not usable to :name:, and leaves the rest as written', () => {
    const usable = new Set(['123']);
    expect(rewriteCustomEmoji('a <:blob:123> b <a:dance:456> c <:gone:789>', usable)).toBe(
      'a <:blob:123> b :dance: c :gone:',
    );
    for (const malformed of ['<:x:1>', '<:name:>', '<name:1>', '<:na me:1>', '<b:name:1>', '<:name:01>'])
      expect(rewriteCustomEmoji(malformed, new Set())).toBe(malformed);
    expect(rewriteCustomEmoji(`<:big:${'9'.repeat(20)}>`, new Set())).toBe(`<:big:${'9'.repeat(20)}>`);
  });
});
