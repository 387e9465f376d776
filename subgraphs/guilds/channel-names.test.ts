import { describe, expect, it } from 'vitest';

import { normalizeChannelName } from './channel-names.ts';

describe('normalizeChannelName', () => {
  it('lower-cases text and voice names and turns whitespace runs into one dash', () => {
    expect(normalizeChannelName('text', 'My  Cool\tChannel')).toBe('my-cool-channel');
    expect(normalizeChannelName('voice', 'Team Talk')).toBe('team-talk');
    expect(normalizeChannelName('text', 'already-fine_1')).toBe('already-fine_1');
  });

  it('trims before anything else, so edges get no dashes', () => {
    expect(normalizeChannelName('text', '  General Chat \n')).toBe('general-chat');
    expect(normalizeChannelName('text', '   ')).toBe('');
  });

  it('keeps a category name as typed, trimmed', () => {
    expect(normalizeChannelName('category', '  Voice Rooms ')).toBe('Voice Rooms');
  });

  it('lower-cases beyond ASCII', () => {
    expect(normalizeChannelName('text', 'ÉTÉ Été')).toBe('été-été');
  });
});
