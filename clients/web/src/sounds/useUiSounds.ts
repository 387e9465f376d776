import { useGoChat, useUnreadsQuery, type UnreadsQuery } from '@gochat/react';
import { effectivePrefs } from '@gochat/user-settings/prefs';
import { useEffect, useRef } from 'react';
import { matchPath, useLocation } from 'react-router';

import type { Settings } from '../settings/types.ts';
import { voiceCallOf } from '../voice/call.ts';
import { playSound } from './beep.ts';
import { badgeSound, selfToggleSound, voiceSound, type ChannelReading, type SoundPrefs } from './decide.ts';

/** The settings that decide which places notify for every message. */
type Notifications = Pick<Settings, 'guilds' | 'channels'>;

/** The channel (or DM) the path shows, or null. */
function openChannelOf(pathname: string): string | null {
  const match =
    matchPath('/guilds/:guildId/:channelId/*', pathname) ?? matchPath('/dms/:channelId', pathname);
  return match?.params.channelId ?? null;
}

/**
 * Each channel as the badges show it, with whether every message there notifies: the effective
 * level (packages/user-settings, as the server reads it) of the channel, else its guild. (A thread's
 * parent channel is not known here: a thread follows its own level, else its guild's.)
 */
function readings(
  unreads: UnreadsQuery['unreads'],
  notifications: Notifications | undefined,
): Map<string, ChannelReading> {
  const document = {
    guilds: Object.fromEntries((notifications?.guilds ?? []).map((g) => [g.guildId, g])),
    channels: Object.fromEntries((notifications?.channels ?? []).map((c) => [c.channelId, c])),
  };
  const level = (channelId: string, guildId: string | null) =>
    notifications
      ? effectivePrefs(document, { containerId: channelId, parentChannelId: channelId, guildId }).level
      : 'MENTIONS';
  const result = new Map<string, ChannelReading>();
  const add = (channel: UnreadsQuery['unreads']['directChannels'][number], guildId: string | null) =>
    result.set(channel.channelId, {
      lastMessageId: channel.lastMessageId ?? null,
      unread: channel.unread,
      mentionCount: channel.mentionCount,
      direct: guildId === null,
      // Until the settings load, only DMs count (they notify unless muted, which `unread` says).
      everyMessage: guildId === null || level(channel.channelId, guildId) === 'ALL',
    });
  for (const guild of unreads.guilds) for (const channel of guild.channels) add(channel, guild.guildId);
  for (const channel of unreads.directChannels) add(channel, null);
  return result;
}

/**
 * The UI sounds, as the synced settings allow them: a mention or a message the viewer does not see
 * (the tab is hidden, or another channel is open), found as a badge's mention count or newest message
 * changing (the feed keeps them live, with the viewer's mutes, levels and suppressions applied);
 * others joining or leaving the viewer's voice call (the feed's voice events); and the viewer's own
 * mute and deafen toggles in a call.
 */
export function useUiSounds(prefs: SoundPrefs | null | undefined, notifications?: Notifications): void {
  const gochat = useGoChat();
  const { pathname } = useLocation();
  const unreads = useUnreadsQuery().data?.unreads;
  // The handlers below read these when something happens, not when they were set up.
  const latest = useRef({ prefs, notifications, openChannelId: openChannelOf(pathname) });
  latest.current = { prefs, notifications, openChannelId: openChannelOf(pathname) };
  const shown = useRef<Map<string, ChannelReading> | null>(null);

  useEffect(() => {
    if (!unreads) return;
    const next = readings(unreads, latest.current.notifications);
    const attention = { openChannelId: latest.current.openChannelId, hidden: document.hidden };
    const sound = badgeSound(latest.current.prefs, shown.current, next, attention);
    shown.current = next;
    if (sound) playSound(sound);
  }, [unreads]);

  useEffect(() => {
    const call = voiceCallOf(gochat);
    return call.onSelfToggle((before, after) => {
      const cue = selfToggleSound(latest.current.prefs, before, after, call.inCall);
      if (cue) playSound(cue.sound, !cue.on);
    });
  }, [gochat]);

  useEffect(() => {
    const call = voiceCallOf(gochat);
    return gochat.voice.subscribe((event) => {
      if (event.type !== 'VoiceStateUpdated') return;
      const { phase, channelId } = call.get();
      const inCall = phase === 'connecting' || phase === 'connected';
      const sound = voiceSound(latest.current.prefs, event.data, gochat.viewerId, inCall ? channelId : null);
      if (sound) playSound(sound);
    });
  }, [gochat]);
}

/** useUiSounds as an element of its own: the badges it watches change often, and re-render only it. */
export function UiSounds({
  prefs,
  notifications,
}: {
  prefs: SoundPrefs | null | undefined;
  notifications?: Notifications;
}): null {
  useUiSounds(prefs, notifications);
  return null;
}
