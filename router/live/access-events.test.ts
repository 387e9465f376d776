import { describe, expect, it } from 'vitest';

import { changesGuildAccess, changesUserAccess, governingChannel } from './access-events.ts';
import { liveEvent } from './test-events.ts';

describe('changesGuildAccess', () => {
  const event = (type: Parameters<typeof liveEvent>[0], data: Record<string, unknown> = {}) =>
    liveEvent(type, 'guild.g1', data);

  it('re-reads access for channel, role and guild changes, whoever they concern', () => {
    for (const type of [
      'ChannelCreated',
      'ChannelUpdated',
      'ChannelDeleted',
      'RoleUpdated',
      'RoleDeleted',
      'GuildOwnerChanged',
      'GuildDeleted',
    ] as const)
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

describe('changesUserAccess', () => {
  it('re-reads for new or lost guilds, DMs and friends only', () => {
    const on = (type: Parameters<typeof liveEvent>[0]) => changesUserAccess(liveEvent(type, 'user.me'));
    for (const type of [
      'GuildCreated',
      'GuildMemberAdded',
      'GuildMemberRemoved',
      'DirectChannelCreated',
      'DirectChannelUpdated',
      'FriendAdded',
      'FriendRemoved',
    ] as const)
      expect(on(type)).toBe(true);
    for (const type of ['ReadStateUpdated', 'FriendRequestCreated', 'UserBlocked', 'SessionRevoked'] as const)
      expect(on(type)).toBe(false);
  });
});

describe('governingChannel', () => {
  it("is a thread's parent when the event names one, else the container", () => {
    const subject = 'channel.g1.t1.messages';
    expect(governingChannel(liveEvent('MessageCreated', subject, { parentChannelId: 'c1' }), 't1')).toBe(
      'c1',
    );
    expect(governingChannel(liveEvent('ThreadMembersUpdated', subject, { threadId: 't1' }), 'c1')).toBe('c1');
  });
});
