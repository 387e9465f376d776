import { subjectMatches as matches } from '@gochat/bus';
import { describe, expect, it } from 'vitest';

import { parseSubject, subjectPatterns, subjects } from './subjects.ts';

describe('subjects', () => {
  it('reads back every subject it builds', () => {
    expect(parseSubject(subjects.user('1'))).toEqual({ kind: 'user', userId: '1' });
    expect(parseSubject(subjects.guild('2'))).toEqual({ kind: 'guild', guildId: '2' });
    expect(parseSubject(subjects.channelMessages('2', '3'))).toEqual({
      kind: 'messages',
      guildId: '2',
      channelId: '3',
    });
    expect(parseSubject(subjects.channelMessages(null, '3'))).toEqual({
      kind: 'messages',
      guildId: null,
      channelId: '3',
    });
    expect(parseSubject(subjects.typing('2', '3'))).toEqual({ kind: 'typing', guildId: '2', channelId: '3' });
    expect(parseSubject(subjects.typing(null, '3'))).toEqual({
      kind: 'typing',
      guildId: null,
      channelId: '3',
    });
    expect(parseSubject(subjects.presenceUser('1'))).toEqual({ kind: 'presenceUser', userId: '1' });
    expect(parseSubject(subjects.presenceGuild('2'))).toEqual({ kind: 'presenceGuild', guildId: '2' });
  });

  it('calls anything else other', () => {
    for (const subject of ['channel.2.3', 'channel.2.3.typing', 'user.1.x', 'presence.team.1', 'guild', ''])
      expect(parseSubject(subject)).toEqual({ kind: 'other' });
  });

  it('has patterns that cover what they name, and nothing of another guild or channel', () => {
    expect(matches(subjectPatterns.guildChannels('2'), subjects.channelMessages('2', '3'))).toBe(true);
    expect(matches(subjectPatterns.guildChannels('2'), subjects.channelMessages('9', '3'))).toBe(false);
    expect(matches(subjectPatterns.guildChannels('2'), subjects.channelMessages(null, '3'))).toBe(false);
    expect(matches(subjectPatterns.channelAnywhere('3'), subjects.channelMessages('2', '3'))).toBe(true);
    expect(matches(subjectPatterns.channelAnywhere('3'), subjects.channelMessages(null, '3'))).toBe(true);
    expect(matches(subjectPatterns.channelAnywhere('3'), subjects.channelMessages('2', '4'))).toBe(false);
    expect(matches(subjectPatterns.guildTyping('2'), subjects.typing('2', '3'))).toBe(true);
    expect(matches(subjectPatterns.guildTyping('2'), subjects.typing(null, '3'))).toBe(false);
  });
});
