import { describe, expect, it } from 'vitest';

import { guildAuthor, roleColor, type AuthorSource } from './author.ts';

const author = { displayName: 'Alice Liddell', avatarUrl: '/media/public/u1/128.webp' };
const member = { nickname: 'Al', color: 0xe91e63, avatarUrl: '/media/public/g1/128.webp' };
const bare = { nickname: null, color: null, avatarUrl: null };

describe('guildAuthor', () => {
  it('shows the nickname in the role colour and the guild avatar, with the account name kept', () => {
    expect(guildAuthor({ author, member })).toEqual({
      name: 'Al',
      displayName: 'Alice Liddell',
      color: '#e91e63',
      avatarUrl: '/media/public/g1/128.webp',
    });
  });

  it("falls back to the user's own avatar, then to none (initials), when the guild has no avatar", () => {
    expect(guildAuthor({ author, member: bare }).avatarUrl).toBe('/media/public/u1/128.webp');
    expect(
      guildAuthor({ author: { displayName: 'Bob', avatarUrl: null }, member: bare }).avatarUrl,
    ).toBeNull();
    // Documents that do not select the user's avatar still fall back cleanly.
    expect(guildAuthor({ author: { displayName: 'Bob' }, member: bare }).avatarUrl).toBeNull();
  });

  it('shows the account as it is where there is no member: DMs, system messages, members who left', () => {
    for (const source of [{ author }, { author, member: null }] satisfies AuthorSource[])
      expect(guildAuthor(source)).toEqual({
        name: 'Alice Liddell',
        displayName: 'Alice Liddell',
        color: undefined,
        avatarUrl: '/media/public/u1/128.webp',
      });
  });

  it('keeps the display name and default colour for a member without nickname or coloured role', () => {
    const { name, color } = guildAuthor({ author, member: { ...bare, nickname: '' } });
    expect(name).toBe('Alice Liddell');
    expect(color).toBeUndefined();
  });
});

describe('roleColor', () => {
  it('writes 0xRRGGBB as six hex digits; 0 and null are no colour', () => {
    expect(roleColor(0x0000ff)).toBe('#0000ff');
    expect(roleColor(0xffffff)).toBe('#ffffff');
    expect(roleColor(0)).toBeUndefined();
    expect(roleColor(null)).toBeUndefined();
  });
});
