import type { ChannelOverride, NotificationLevel, SettingsDocument } from './document.ts';

/** Where a read position lives, as the messages subgraph knows it. */
export interface PrefsPlace {
  /** The channel, thread or DM. */
  containerId: string;
  /** The channel itself, or a thread's parent channel. */
  parentChannelId: string;
  /** Null for DMs and group DMs. */
  guildId: string | null;
}

/** What the user's settings say about one channel, thread or DM, now. */
export interface EffectivePrefs {
  level: NotificationLevel;
  /** Muted itself, through a thread's parent channel, or through its guild (mutes not yet ended). */
  muted: boolean;
  /** @everyone and @here do not count as mentions (guild setting). */
  suppressEveryone: boolean;
  /** Role mentions do not count (guild setting). */
  suppressRoles: boolean;
}

const activeMute = (override: Pick<ChannelOverride, 'muted' | 'muteEndsAt'> | undefined, now: Date) =>
  override?.muted === true && (override.muteEndsAt === null || new Date(override.muteEndsAt) > now);

/**
 * The prefs that apply to one place: the most specific level set wins (the container's, a thread's
 * parent channel's, the guild's; ALL otherwise), and a mute anywhere on that path mutes it.
 */
export function effectivePrefs(
  document: Pick<SettingsDocument, 'guilds' | 'channels'>,
  place: PrefsPlace,
  now = new Date(),
): EffectivePrefs {
  const own = document.channels[place.containerId];
  const parent =
    place.parentChannelId === place.containerId ? undefined : document.channels[place.parentChannelId];
  const guild = place.guildId === null ? undefined : document.guilds[place.guildId];
  return {
    level: own?.level ?? parent?.level ?? guild?.level ?? 'ALL',
    muted: activeMute(own, now) || activeMute(parent, now) || activeMute(guild, now),
    suppressEveryone: guild?.suppressEveryone ?? false,
    suppressRoles: guild?.suppressRoles ?? false,
  };
}

/**
 * Whether a DM hidden with the channel's newest message `hiddenAt` is still hidden, given its newest
 * message now: a newer message brings it back.
 */
export function stillHidden(hiddenAt: string | null, lastMessageId: string | null): boolean {
  if (lastMessageId === null) return true;
  if (hiddenAt === null) return false;
  return BigInt(lastMessageId) <= BigInt(hiddenAt);
}
