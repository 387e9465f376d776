import { describe, expect, it } from 'vitest';

import {
  badgeSound,
  mentionPlaysSound,
  newlyMentioned,
  PLAYED_SOUNDS,
  selfToggleSound,
  soundAllowed,
  UNPLAYED_SOUNDS,
  voiceSound,
  type ChannelReading,
  type SoundPrefs,
} from './decide.ts';

const on: SoundPrefs = { enabled: true, disabled: [] };
const off: SoundPrefs = { enabled: false, disabled: [] };

describe('soundAllowed', () => {
  it('plays only when sounds are on and this one is not turned off; silent until the settings load', () => {
    expect(soundAllowed(on, 'MENTION')).toBe(true);
    expect(soundAllowed(off, 'MENTION')).toBe(false);
    expect(soundAllowed({ enabled: true, disabled: ['MENTION'] }, 'MENTION')).toBe(false);
    expect(soundAllowed({ enabled: true, disabled: ['MENTION'] }, 'USER_JOIN')).toBe(true);
    expect(soundAllowed(undefined, 'MENTION')).toBe(false);
  });
});

describe('mentionPlaysSound', () => {
  it('plays for a mention in another channel, or in the open one while the tab is hidden', () => {
    expect(mentionPlaysSound(on, 'c1', { openChannelId: 'c2', hidden: false })).toBe(true);
    expect(mentionPlaysSound(on, 'c1', { openChannelId: null, hidden: false })).toBe(true);
    expect(mentionPlaysSound(on, 'c1', { openChannelId: 'c1', hidden: true })).toBe(true);
  });

  it('is silent for a mention the viewer sees, or when mention sounds are off', () => {
    expect(mentionPlaysSound(on, 'c1', { openChannelId: 'c1', hidden: false })).toBe(false);
    expect(mentionPlaysSound(off, 'c1', { openChannelId: 'c2', hidden: true })).toBe(false);
    const noMentions: SoundPrefs = { enabled: true, disabled: ['MENTION'] };
    expect(mentionPlaysSound(noMentions, 'c1', { openChannelId: 'c2', hidden: true })).toBe(false);
  });
});

describe('newlyMentioned', () => {
  it('names the channels whose mention count went up, new channels included', () => {
    const before = new Map([
      ['a', 1],
      ['b', 0],
      ['c', 2],
    ]);
    const after = new Map([
      ['a', 2],
      ['b', 0],
      ['c', 0],
      ['d', 1],
    ]);
    expect(newlyMentioned(before, after)).toEqual(['a', 'd']);
  });

  it('says nothing on the first reading (what was there when the app started)', () => {
    expect(newlyMentioned(null, new Map([['a', 3]]))).toEqual([]);
  });
});

describe('voiceSound', () => {
  const call = 'v1';
  it('plays USER_JOIN when another user arrives in the viewer call, USER_LEAVE when they leave it', () => {
    expect(voiceSound(on, { userId: 'u2', channelId: call, previousChannelId: null }, 'me', call)).toBe(
      'USER_JOIN',
    );
    expect(voiceSound(on, { userId: 'u2', channelId: call, previousChannelId: 'v2' }, 'me', call)).toBe(
      'USER_JOIN',
    );
    expect(voiceSound(on, { userId: 'u2', channelId: null, previousChannelId: call }, 'me', call)).toBe(
      'USER_LEAVE',
    );
    expect(voiceSound(on, { userId: 'u2', channelId: 'v2', previousChannelId: call }, 'me', call)).toBe(
      'USER_LEAVE',
    );
  });

  it('is silent for the viewer, other calls, a mute in the call, outside a call, or when turned off', () => {
    const join = { userId: 'u2', channelId: call, previousChannelId: null };
    expect(voiceSound(on, { ...join, userId: 'me' }, 'me', call)).toBeNull();
    expect(voiceSound(on, { userId: 'u2', channelId: 'v2', previousChannelId: null }, 'me', call)).toBeNull();
    expect(voiceSound(on, { userId: 'u2', channelId: call, previousChannelId: call }, 'me', call)).toBeNull();
    expect(voiceSound(on, join, 'me', null)).toBeNull();
    expect(voiceSound(off, join, 'me', call)).toBeNull();
    expect(voiceSound({ enabled: true, disabled: ['USER_JOIN'] }, join, 'me', call)).toBeNull();
    const leave = { userId: 'u2', channelId: null, previousChannelId: call };
    expect(voiceSound({ enabled: true, disabled: ['USER_JOIN'] }, leave, 'me', call)).toBe('USER_LEAVE');
  });
});

describe('badgeSound', () => {
  const away = { openChannelId: 'elsewhere', hidden: false };
  const reading = (change: Partial<ChannelReading> = {}): ChannelReading => ({
    lastMessageId: '100',
    unread: false,
    mentionCount: 0,
    direct: false,
    everyMessage: true,
    ...change,
  });
  const before = new Map([
    ['dm', reading({ direct: true })],
    ['all', reading()],
    ['mentions', reading({ everyMessage: false })],
  ]);
  const after = (id: string, change: Partial<ChannelReading>) =>
    new Map([...before, [id, { ...before.get(id)!, ...change }]]);

  it('plays MESSAGE for a new unread message in a DM or an ALL channel the viewer does not see', () => {
    expect(badgeSound(on, before, after('dm', { lastMessageId: '101', unread: true }), away)).toBe('MESSAGE');
    expect(badgeSound(on, before, after('all', { lastMessageId: '101', unread: true }), away)).toBe(
      'MESSAGE',
    );
    // The open channel while the tab is hidden: not seen either.
    const hidden = { openChannelId: 'all', hidden: true };
    expect(badgeSound(on, before, after('all', { lastMessageId: '101', unread: true }), hidden)).toBe(
      'MESSAGE',
    );
  });

  it('is silent for a message the viewer sees, that does not count as unread, or at level MENTIONS', () => {
    const open = { openChannelId: 'dm', hidden: false };
    expect(badgeSound(on, before, after('dm', { lastMessageId: '101', unread: true }), open)).toBeNull();
    // Muted or level NOTHING (unread false), or the viewer's own message (read at once).
    expect(badgeSound(on, before, after('all', { lastMessageId: '101', unread: false }), away)).toBeNull();
    expect(
      badgeSound(on, before, after('mentions', { lastMessageId: '101', unread: true }), away),
    ).toBeNull();
    // Only the read position moved (read on another device): no new message.
    expect(badgeSound(on, before, after('dm', { unread: true }), away)).toBeNull();
    expect(badgeSound(on, before, after('dm', { lastMessageId: '99', unread: true }), away)).toBeNull();
  });

  it('is silent when MESSAGE or all sounds are off, and on the first reading', () => {
    const change = after('dm', { lastMessageId: '101', unread: true });
    expect(badgeSound({ enabled: true, disabled: ['MESSAGE'] }, before, change, away)).toBeNull();
    expect(badgeSound(off, before, change, away)).toBeNull();
    expect(badgeSound(on, null, change, away)).toBeNull();
  });

  it('plays MENTION, not MESSAGE, for a mention (also at level MENTIONS); MESSAGE if mentions are off', () => {
    const mention = after('mentions', { lastMessageId: '101', unread: true, mentionCount: 1 });
    expect(badgeSound(on, before, mention, away)).toBe('MENTION');
    const inAll = after('all', { lastMessageId: '101', unread: true, mentionCount: 1 });
    expect(badgeSound(on, before, inAll, away)).toBe('MENTION');
    // With the mention sound off, it is a message like any other: MESSAGE where every message notifies.
    const noMentions: SoundPrefs = { enabled: true, disabled: ['MENTION'] };
    expect(badgeSound(noMentions, before, inAll, away)).toBe('MESSAGE');
    expect(badgeSound(noMentions, before, mention, away)).toBeNull();
  });

  it('counts a place new to the badges only when it is a DM with a message', () => {
    const newDm = new Map([...before, ['dm2', reading({ direct: true, lastMessageId: '5', unread: true })]]);
    expect(badgeSound(on, before, newDm, away)).toBe('MESSAGE');
    const joinedGuild = new Map([...before, ['g1', reading({ lastMessageId: '5', unread: true })]]);
    expect(badgeSound(on, before, joinedGuild, away)).toBeNull();
    const emptyDm = new Map([...before, ['dm3', reading({ direct: true, lastMessageId: null })]]);
    expect(badgeSound(on, before, emptyDm, away)).toBeNull();
  });

  it('compares message ids as numbers, not strings', () => {
    const base = new Map([['dm', reading({ direct: true, lastMessageId: '999' })]]);
    const next = new Map([['dm', reading({ direct: true, lastMessageId: '1000', unread: true })]]);
    expect(badgeSound(on, base, next, away)).toBe('MESSAGE');
  });
});

describe('selfToggleSound', () => {
  const idle = { selfMute: false, selfDeaf: false };
  const muted = { selfMute: true, selfDeaf: false };
  const deafened = { selfMute: false, selfDeaf: true };
  it('plays MUTE for a mute toggle and DEAFEN for a deafen toggle, with the direction', () => {
    expect(selfToggleSound(on, idle, muted, true)).toEqual({ sound: 'MUTE', on: true });
    expect(selfToggleSound(on, muted, idle, true)).toEqual({ sound: 'MUTE', on: false });
    expect(selfToggleSound(on, idle, deafened, true)).toEqual({ sound: 'DEAFEN', on: true });
    // Unmuting while deafened undeafens too: one sound, the undeafen.
    expect(selfToggleSound(on, { selfMute: true, selfDeaf: true }, idle, true)).toEqual({
      sound: 'DEAFEN',
      on: false,
    });
  });

  it('is silent outside a call, without a change, or when the sound is off', () => {
    expect(selfToggleSound(on, idle, muted, false)).toBeNull();
    expect(selfToggleSound(on, muted, muted, true)).toBeNull();
    expect(selfToggleSound({ enabled: true, disabled: ['MUTE'] }, idle, muted, true)).toBeNull();
    expect(selfToggleSound({ enabled: true, disabled: ['MUTE'] }, idle, deafened, true)).toEqual({
      sound: 'DEAFEN',
      on: true,
    });
    expect(selfToggleSound(off, idle, deafened, true)).toBeNull();
  });
});

describe('the sound lists', () => {
  it('offer MESSAGE, MUTE and DEAFEN, and name CALL_RINGING and STREAM as not played', () => {
    const played = PLAYED_SOUNDS.map((s) => s.sound);
    expect(played).toEqual(expect.arrayContaining(['MESSAGE', 'MENTION', 'MUTE', 'DEAFEN']));
    expect(UNPLAYED_SOUNDS.map((s) => s.sound)).toEqual(['CALL_RINGING', 'STREAM']);
    expect(played.some((s) => s === 'CALL_RINGING' || s === 'STREAM')).toBe(false);
  });
});
