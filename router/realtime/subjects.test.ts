import { describe, expect, it } from 'vitest';

import { changesGuildAccess, parseSubject } from './subjects.ts';

describe('changesGuildAccess', () => {
  const event = (type: string, data: Record<string, unknown> = {}) => ({ type, data });

  it('re-reads access for channel, role and guild changes, whoever they concern', () => {
    for (const type of ['ChannelCreated', 'ChannelUpdated', 'ChannelDeleted', 'RoleUpdated', 'RoleDeleted'])
      expect(changesGuildAccess(event(type), 'me')).toBe(true);
  });

  it("re-reads for a member change only when it is the viewer's own", () => {
    expect(changesGuildAccess(event('GuildMemberUpdated', { userId: 'me' }), 'me')).toBe(true);
    expect(changesGuildAccess(event('GuildMemberRemoved', { userId: 'me' }), 'me')).toBe(true);
    expect(changesGuildAccess(event('GuildMemberUpdated', { userId: 'other' }), 'me')).toBe(false);
    expect(changesGuildAccess(event('GuildMemberRemoved', { userId: 'other' }), 'me')).toBe(false);
    expect(changesGuildAccess(event('EmojiCreated'), 'me')).toBe(false);
  });
});

describe('parseSubject', () => {
  it('reads every subject family of the catalogue', () => {
    expect(parseSubject('user.1')).toEqual({ kind: 'user', userId: '1' });
    expect(parseSubject('guild.2')).toEqual({ kind: 'guild', guildId: '2' });
    expect(parseSubject('channel.2.3.messages')).toEqual({ kind: 'messages', guildId: '2', channelId: '3' });
    expect(parseSubject('channel.dm.3.messages')).toEqual({
      kind: 'messages',
      guildId: null,
      channelId: '3',
    });
    expect(parseSubject('typing.dm.3')).toEqual({ kind: 'typing', guildId: null, channelId: '3' });
    expect(parseSubject('presence.user.1')).toEqual({ kind: 'presenceUser', userId: '1' });
    expect(parseSubject('presence.guild.2')).toEqual({ kind: 'presenceGuild', guildId: '2' });
    expect(parseSubject('channel.2.3')).toEqual({ kind: 'other' });
  });
});
