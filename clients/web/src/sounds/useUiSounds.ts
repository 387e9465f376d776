import { useGoChat, useUnreadsQuery, type UnreadsQuery } from '@gochat/react';
import { useEffect, useRef } from 'react';
import { matchPath, useLocation } from 'react-router';

import { voiceCallOf } from '../voice/call.ts';
import { playSound } from './beep.ts';
import { mentionPlaysSound, newlyMentioned, voiceSound, type SoundPrefs } from './decide.ts';

/** The channel (or DM) the path shows, or null. */
function openChannelOf(pathname: string): string | null {
  const match =
    matchPath('/guilds/:guildId/:channelId/*', pathname) ?? matchPath('/dms/:channelId', pathname);
  return match?.params.channelId ?? null;
}

/** Each channel's mention count, as the badges show it. */
function mentionCounts(unreads: UnreadsQuery['unreads']): Map<string, number> {
  const counts = new Map<string, number>();
  for (const guild of unreads.guilds)
    for (const channel of guild.channels) counts.set(channel.channelId, channel.mentionCount);
  for (const channel of unreads.directChannels) counts.set(channel.channelId, channel.mentionCount);
  return counts;
}

/**
 * The UI sounds, as the synced settings allow them: a mention the viewer does not see (the tab is
 * hidden, or another channel is open), found as a badge's mention count going up (the feed keeps
 * them live, with the viewer's mutes and suppressions applied); and others joining or leaving the
 * viewer's voice call (the feed's voice events).
 */
export function useUiSounds(prefs: SoundPrefs | null | undefined): void {
  const gochat = useGoChat();
  const { pathname } = useLocation();
  const unreads = useUnreadsQuery().data?.unreads;
  // The handlers below read these when something happens, not when they were set up.
  const latest = useRef({ prefs, openChannelId: openChannelOf(pathname) });
  latest.current = { prefs, openChannelId: openChannelOf(pathname) };
  const counts = useRef<Map<string, number> | null>(null);

  useEffect(() => {
    if (!unreads) return;
    const next = mentionCounts(unreads);
    const attention = { openChannelId: latest.current.openChannelId, hidden: document.hidden };
    const mentioned = newlyMentioned(counts.current, next);
    counts.current = next;
    if (mentioned.some((channelId) => mentionPlaysSound(latest.current.prefs, channelId, attention)))
      playSound('MENTION');
  }, [unreads]);

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
export function UiSounds({ prefs }: { prefs: SoundPrefs | null | undefined }): null {
  useUiSounds(prefs);
  return null;
}
