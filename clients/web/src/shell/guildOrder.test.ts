import { describe, expect, it } from 'vitest';

import { reorderGuilds } from './guildOrder.ts';

describe('reorderGuilds', () => {
  it('moves a guild among the loose ones; guilds in folders keep their places in the order', () => {
    // f is in a folder; a, b, c, d are loose.
    const all = ['a', 'f', 'b', 'c', 'd'];
    const loose = ['a', 'b', 'c', 'd'];
    expect(reorderGuilds(all, loose, 'c', 1)).toEqual(['a', 'f', 'c', 'b', 'd']);
    expect(reorderGuilds(all, loose, 'a', 3)).toEqual(['b', 'f', 'c', 'd', 'a']);
    expect(reorderGuilds(all, loose, 'd', 0)).toEqual(['d', 'f', 'a', 'b', 'c']);
  });

  it('is null when nothing moves: same place, out of range, or not a loose guild', () => {
    const all = ['a', 'b'];
    expect(reorderGuilds(all, all, 'a', 0)).toBeNull();
    expect(reorderGuilds(all, all, 'a', -1)).toBeNull();
    expect(reorderGuilds(all, all, 'b', 2)).toBeNull();
    expect(reorderGuilds(all, ['a'], 'b', 0)).toBeNull();
  });
});
