import { useEffect } from 'react';

import { useDebounced } from '../settings/useDebounced.ts';
import { useSettings } from '../settings/useSettings.ts';
import { selectedChannelOf } from './selectedChannel.ts';

/**
 * Saves the open channel as the guild's selected channel, once it has stayed open a moment (a run of
 * clicks through channels saves the last one only) and only when it differs from what is saved.
 * Mounted once per guild (keyed by it): leaving the guild saves a pending choice at once.
 */
export function useRememberChannel(guildId: string, channelId: string): void {
  const { settings, update } = useSettings();
  const save = useDebounced((id: string) => {
    if (!settings || selectedChannelOf(settings, guildId) === id) return;
    void update({ guilds: [{ guildId, settings: { selectedChannelId: id } }] });
  }, 1000);
  const loaded = settings !== undefined;
  useEffect(() => {
    if (loaded) save(channelId);
    // `save` is a new function each render (it reads the latest settings when it runs): the channel,
    // and the settings arriving, are what start a save.
  }, [channelId, loaded]);
}

/** useRememberChannel as an element, so that a key per guild gives each guild its own pending save. */
export function RememberChannel({ guildId, channelId }: { guildId: string; channelId: string }): null {
  useRememberChannel(guildId, channelId);
  return null;
}
