import { describe, expect, it } from 'vitest';

import { channelToOpen } from './selectedChannel.ts';

const channels = [
  { id: 'cat', kind: 'CATEGORY' as const },
  { id: 'general', kind: 'TEXT' as const },
  { id: 'random', kind: 'TEXT' as const },
  { id: 'voice', kind: 'VOICE' as const },
];

describe('channelToOpen', () => {
  it('opens the channel last selected while the viewer can still see it', () => {
    expect(channelToOpen(channels, 'random', 'general')).toBe('random');
  });

  it('falls back to the system channel, then the first text channel, when the selected one is gone', () => {
    expect(channelToOpen(channels, 'deleted', 'general')).toBe('general');
    expect(channelToOpen(channels, null, null)).toBe('general');
    expect(channelToOpen(channels, 'voice', null)).toBe('general');
    expect(channelToOpen(channels, 'cat', 'random')).toBe('random');
    expect(channelToOpen([], 'random', null)).toBeNull();
  });
});
