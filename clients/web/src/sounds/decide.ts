import type { UiSound } from '@gochat/react';

/** The synced sound settings (mySettings.sounds). */
export interface SoundPrefs {
  enabled: boolean;
  disabled: readonly UiSound[];
}

/** The sounds this client plays, in the order the settings list them, with their labels. */
export const PLAYED_SOUNDS: readonly { sound: UiSound; label: string }[] = [
  { sound: 'MENTION', label: 'Someone mentions you' },
  { sound: 'USER_JOIN', label: 'Someone joins your voice channel' },
  { sound: 'USER_LEAVE', label: 'Someone leaves your voice channel' },
];

/** Whether the settings let `sound` play (not loaded yet: silent, so a turned-off sound never plays). */
export function soundAllowed(prefs: SoundPrefs | null | undefined, sound: UiSound): boolean {
  return !!prefs && prefs.enabled && !prefs.disabled.includes(sound);
}

/** Where the viewer is looking when something happens. */
export interface Attention {
  /** The channel (or DM) open on screen, or null. */
  openChannelId: string | null;
  /** The tab is hidden (another tab, minimised): nothing on screen is seen. */
  hidden: boolean;
}

/**
 * A new mention in `channelId` plays the mention sound unless the viewer already sees it: the
 * channel is open in a visible tab. Sounds that are off never play.
 */
export function mentionPlaysSound(
  prefs: SoundPrefs | null | undefined,
  channelId: string,
  attention: Attention,
): boolean {
  if (!soundAllowed(prefs, 'MENTION')) return false;
  return attention.hidden || attention.openChannelId !== channelId;
}

/**
 * The channels whose mention count went up between two readings of the unread badges (channel id to
 * count). The first reading (previous null) is where the app starts, not news: nothing.
 */
export function newlyMentioned(
  previous: ReadonlyMap<string, number> | null,
  next: ReadonlyMap<string, number>,
): string[] {
  if (!previous) return [];
  return [...next].filter(([id, count]) => count > (previous.get(id) ?? 0)).map(([id]) => id);
}

/** A voice state change as the feed gives it (VoiceStateUpdated's data). */
export interface VoiceChange {
  userId: string;
  channelId: string | null;
  previousChannelId: string | null;
}

/**
 * The sound for another user's voice change seen from the viewer's call (`callChannelId`, null when
 * in none): USER_JOIN when they arrive in it, USER_LEAVE when they leave it (or move away), else
 * none. The viewer's own changes (this or another device) make no sound. Sounds that are off: none.
 */
export function voiceSound(
  prefs: SoundPrefs | null | undefined,
  change: VoiceChange,
  viewerId: string | null,
  callChannelId: string | null,
): UiSound | null {
  if (!callChannelId || change.userId === viewerId) return null;
  const joined = change.channelId === callChannelId && change.previousChannelId !== callChannelId;
  const left = change.previousChannelId === callChannelId && change.channelId !== callChannelId;
  const sound: UiSound | null = joined ? 'USER_JOIN' : left ? 'USER_LEAVE' : null;
  return sound && soundAllowed(prefs, sound) ? sound : null;
}
