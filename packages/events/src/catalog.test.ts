import fs from 'node:fs';

import { describe, expect, expectTypeOf, it } from 'vitest';

import { EVENT_TYPES, asCatalogEvent, newEvent, subjects, type CatalogEvent } from './catalog.ts';

const doc = fs.readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');

describe('event catalogue', () => {
  it('documents every event type in docs/events.md, and nothing else', () => {
    const documented = [...doc.matchAll(/^\|\s*`([A-Z][A-Za-z]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('documents every subject family', () => {
    for (const subject of [
      subjects.user('<userId>'),
      subjects.guild('<guildId>'),
      subjects.channelMessages('<guildId>', '<channelId>'),
      subjects.channelMessages(null, '<channelId>'),
      subjects.typing('<guildId>', '<channelId>'),
      subjects.typing(null, '<channelId>'),
      subjects.presenceUser('<userId>'),
      subjects.presenceGuild('<guildId>'),
    ])
      expect(doc).toContain(`\`${subject}\``);
  });

  it('puts the guild, or dm, in channel and typing subjects as a token of its own', () => {
    expect(subjects.channelMessages('3', '7')).toBe('channel.3.7.messages');
    expect(subjects.channelMessages(null, '7')).toBe('channel.dm.7.messages');
    expect(subjects.typing('3', '7')).toBe('typing.3.7');
    expect(subjects.typing(null, '7')).toBe('typing.dm.7');
    expect(subjects.presenceUser('9')).toBe('presence.user.9');
    expect(subjects.presenceGuild('3')).toBe('presence.guild.3');
  });

  it('builds events whose subject and payload match the catalogue', () => {
    expect(
      newEvent('MessageDeleted', subjects.channelMessages('3', '7'), {
        messageId: '1',
        channelId: '7',
        parentChannelId: '7',
        guildId: '3',
        actorId: '9',
      }),
    ).toEqual({
      type: 'MessageDeleted',
      subject: 'channel.3.7.messages',
      data: { messageId: '1', channelId: '7', parentChannelId: '7', guildId: '3', actorId: '9' },
    });
  });

  it('narrows an envelope by its type, and knows no type it does not catalogue', () => {
    const envelope = {
      id: 'e1',
      type: 'GuildMemberRemoved',
      data: { guildId: 'g', userId: 'u', actorId: 'a', reason: 'kick' },
    };
    const event = asCatalogEvent(envelope);
    expect(event).toBe(envelope);
    if (event?.type === 'GuildMemberRemoved')
      expectTypeOf(event.data.reason).toEqualTypeOf<'leave' | 'kick' | 'ban'>();
    expectTypeOf(event!.id).toEqualTypeOf<string>();
    expect(asCatalogEvent({ type: 'SomethingNew', data: {} })).toBeUndefined();
    expect(asCatalogEvent({ type: 'Subscribed', data: {} })).toBeUndefined();
  });

  it('gives every type its own payload', () => {
    const reasonOf = (event: CatalogEvent) => {
      if (event.type === 'GuildMemberRemoved') return event.data.reason;
      if (event.type === 'MessageCreated') return event.data.kind;
      return undefined;
    };
    expectTypeOf(reasonOf).returns.toEqualTypeOf<
      'leave' | 'kick' | 'ban' | 'default' | 'guild_member_join' | undefined
    >();
  });

  it('builds events only on subjects made by the builders', () => {
    // @ts-expect-error a subject spelled by hand is not a Subject
    newEvent('UserUpdated', 'user.1', { userId: '1' });
    expect(newEvent('UserUpdated', subjects.user('1'), { userId: '1' }).subject).toBe('user.1');
  });
});
