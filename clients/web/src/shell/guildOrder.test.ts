import { describe, expect, it } from 'vitest';

import { reorderFolderGuilds, reorderGuilds } from './guildOrder.ts';

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

describe('reorderFolderGuilds', () => {
  const folders = [
    { id: 'f1', name: 'Work', color: 0x112233, guildIds: ['a', 'gone', 'b', 'c'] },
    { id: 'f2', name: null, color: null, guildIds: ['x', 'y'] },
  ];
  // 'gone' is a guild the viewer left: still listed in the folder, not shown.
  const shown = ['a', 'b', 'c'];

  it('moves a guild within its folder; ids not shown keep their places, other folders stay', () => {
    expect(reorderFolderGuilds(folders, 'f1', shown, 'c', 0)).toEqual([
      { id: 'f1', name: 'Work', color: 0x112233, guildIds: ['c', 'gone', 'a', 'b'] },
      { id: 'f2', name: null, color: null, guildIds: ['x', 'y'] },
    ]);
    expect(reorderFolderGuilds(folders, 'f1', shown, 'a', 1)?.[0]?.guildIds).toEqual(['b', 'gone', 'a', 'c']);
    expect(reorderFolderGuilds(folders, 'f2', ['x', 'y'], 'y', 0)?.[1]?.guildIds).toEqual(['y', 'x']);
  });

  it('is null when nothing moves: same place, out of range, another folder or a loose guild', () => {
    expect(reorderFolderGuilds(folders, 'f1', shown, 'a', 0)).toBeNull();
    expect(reorderFolderGuilds(folders, 'f1', shown, 'c', 3)).toBeNull();
    expect(reorderFolderGuilds(folders, 'f1', shown, 'a', -1)).toBeNull();
    expect(reorderFolderGuilds(folders, 'f1', shown, 'x', 0)).toBeNull();
    expect(reorderFolderGuilds(folders, 'f1', shown, 'loose', 0)).toBeNull();
    expect(reorderFolderGuilds(folders, 'nope', shown, 'a', 1)).toBeNull();
  });

  it('does not change the folders it was given', () => {
    reorderFolderGuilds(folders, 'f1', shown, 'c', 0);
    expect(folders[0]!.guildIds).toEqual(['a', 'gone', 'b', 'c']);
  });
});
