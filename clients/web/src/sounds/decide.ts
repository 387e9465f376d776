import type { UiSound } from '@gochat/react';

/** The synced sound settings (mySettings.sounds). */
export interface SoundPrefs {
  enabled: boolean;
  disabled: readonly UiSound[];
}

/** The sounds this client plays, in the order the settings list them, with their labels. */
export const PLAYED_SOUNDS: readonly { sound: UiSound; label: string }[] = [
  { sound: 'MESSAGE', label: 'A new message arrives in a direct message or a channel you follow' },
  { sound: 'MENTION', label: 'Someone mentions you' },
  { sound: 'USER_JOIN', label: 'Someone joins your voice channel' },
  { sound: 'USER_LEAVE', label: 'Someone leaves your voice channel' },
  { sound: 'MUTE', label: 'You mute or unmute yourself in a call' },
  { sound: 'DEAFEN', label: 'You deafen or undeafen yourself in a call' },
];

/**
 * Sounds the settings know that this client never plays, and why: it has no ringing calls and no
 * streams yet. The settings screen names them instead of offering switches that would do nothing.
 */
export const UNPLAYED_SOUNDS: readonly { sound: UiSound; label: string }[] = [
  { sound: 'CALL_RINGING', label: 'An incoming call (calls do not ring in this client yet)' },
  { sound: 'STREAM', label: 'A stream starts or stops (streams are not available yet)' },
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

/** One channel (or DM) of the unread badges, as one reading of them shows it. */
export interface ChannelReading {
  /** The newest message there, or null when empty. */
  lastMessageId: string | null;
  /** Unread as the viewer's settings count it: false while muted or at level NOTHING. */
  unread: boolean;
  mentionCount: number;
  /** A DM or group DM. */
  direct: boolean;
  /**
   * Every message notifies: a DM or group DM, or a channel whose notification level (its own, else
   * its guild's) is ALL. At MENTIONS only mentions make a sound, as in Discord.
   */
  everyMessage: boolean;
}

const newer = (a: string | null, b: string | null) => a !== null && (b === null || BigInt(a) > BigInt(b));

/**
 * Whether the reading shows a message newer than the last one: a place new to the badges counts
 * only when it is a DM (a conversation that just began); a guild's channels appearing (a guild
 * joined, settings read again) are not news.
 */
function gotMessage(before: ChannelReading | undefined, after: ChannelReading): boolean {
  if (!before) return after.direct && after.lastMessageId !== null;
  return newer(after.lastMessageId, before.lastMessageId);
}

/**
 * The sound a new reading of the unread badges plays, or null. A mention the viewer does not see
 * plays MENTION (mentionPlaysSound); otherwise a new message the viewer does not see, in a place
 * where it counts as unread and every message notifies, plays MESSAGE. One sound per reading: a
 * mention is a message too, and never plays both (with the mention sound off, a mention where every
 * message notifies plays MESSAGE). The first reading (previous null) is not news.
 */
export function badgeSound(
  prefs: SoundPrefs | null | undefined,
  previous: ReadonlyMap<string, ChannelReading> | null,
  next: ReadonlyMap<string, ChannelReading>,
  attention: Attention,
): 'MENTION' | 'MESSAGE' | null {
  if (!previous) return null;
  const mentionCounts = (readings: ReadonlyMap<string, ChannelReading>) =>
    new Map([...readings].map(([id, r]) => [id, r.mentionCount]));
  const mentioned = newlyMentioned(mentionCounts(previous), mentionCounts(next));
  if (mentioned.some((id) => mentionPlaysSound(prefs, id, attention))) return 'MENTION';
  if (!soundAllowed(prefs, 'MESSAGE')) return null;
  const unseen = (id: string) => attention.hidden || attention.openChannelId !== id;
  const messaged = [...next].some(
    ([id, reading]) =>
      reading.unread && reading.everyMessage && unseen(id) && gotMessage(previous.get(id), reading),
  );
  return messaged ? 'MESSAGE' : null;
}

/** The viewer's own mute and deafen. */
export interface SelfFlags {
  selfMute: boolean;
  selfDeaf: boolean;
}

/**
 * The sound of the viewer's own mute or deafen toggle in a call: DEAFEN when deafen changed (it
 * mutes too, so one sound), else MUTE when mute changed; `on` says which way (the "un" sound when
 * false). Outside a call, or with the sound turned off: null.
 */
export function selfToggleSound(
  prefs: SoundPrefs | null | undefined,
  before: SelfFlags,
  after: SelfFlags,
  inCall: boolean,
): { sound: 'MUTE' | 'DEAFEN'; on: boolean } | null {
  if (!inCall) return null;
  const cue =
    before.selfDeaf !== after.selfDeaf
      ? { sound: 'DEAFEN' as const, on: after.selfDeaf }
      : before.selfMute !== after.selfMute
        ? { sound: 'MUTE' as const, on: after.selfMute }
        : null;
  return cue && soundAllowed(prefs, cue.sound) ? cue : null;
}
