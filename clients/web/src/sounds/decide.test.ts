import { describe, expect, it } from 'vitest';

import { mentionPlaysSound, newlyMentioned, soundAllowed, voiceSound, type SoundPrefs } from './decide.ts';

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
