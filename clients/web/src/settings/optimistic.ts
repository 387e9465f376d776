import type { UserSettingsPatch } from '@gochat/react';

import type { Settings } from './types.ts';

/** What a field reset to null (or never set) is, as the server's document defaults it. */
const APPEARANCE_DEFAULTS = { locale: null, theme: 'SYSTEM', density: 'COZY' } as const;
const VOICE_DEFAULTS = {
  inputDeviceId: null,
  outputDeviceId: null,
  videoDeviceId: null,
  inputVolume: 100,
  outputVolume: 100,
  inputSensitivity: null,
  noiseSuppression: true,
  echoCancellation: true,
  automaticGainControl: true,
} as const;
const SOUND_DEFAULTS = { enabled: true, disabled: [] } as const;
const GUILD_DEFAULTS = {
  level: null,
  muted: false,
  muteEndsAt: null,
  suppressEveryone: false,
  suppressRoles: false,
  selectedChannelId: null,
} as const;

const CHANNEL_DEFAULTS = { level: null, muted: false, muteEndsAt: null } as const;

/** Per-id entries merged by the patch's changes; a null change removes the entry. */
function mergeById<E extends object>(
  entries: readonly E[],
  idOf: (entry: E) => string,
  changes: readonly (readonly [string, object | null | undefined])[],
  fresh: (id: string) => E,
  defaults: object,
): E[] {
  let next = [...entries];
  for (const [id, change] of changes) {
    if (!change) {
      next = next.filter((e) => idOf(e) !== id);
      continue;
    }
    const existing = next.find((e) => idOf(e) === id);
    // selectedChannelId is checked by the server; the prediction leaves it as it is.
    const merged = mergePart(existing ?? fresh(id), { ...change, selectedChannelId: undefined }, defaults);
    next = existing ? next.map((e) => (e === existing ? merged : e)) : [...next, merged];
  }
  return next;
}

/** Fields the patch names, with null meaning the default: the server's merge rule for one part. */
function mergePart<T extends object>(current: T, change: object | null | undefined, defaults: object): T {
  if (!change) return current;
  const next = { ...current } as Record<string, unknown>;
  for (const [key, value] of Object.entries(change))
    if (value !== undefined) next[key] = value ?? (defaults as Record<string, unknown>)[key] ?? null;
  return next as T;
}

/**
 * The document the server will answer for a patch, to show a change at once (Apollo's optimistic
 * layer) instead of after the round trip: the parts the screens edit merge as the server merges them
 * (appearance, voice and sounds field by field, guilds by id, folders and order replaced whole). The server's
 * answer replaces it; a refused save rolls it back.
 */
export function predictSettings(current: Settings, patch: UserSettingsPatch): Settings {
  const guilds = mergeById(
    current.guilds,
    (g) => g.guildId,
    (patch.guilds ?? []).map((c) => [String(c.guildId), c.settings] as const),
    (guildId) => ({ __typename: 'GuildSettings' as const, guildId, ...GUILD_DEFAULTS }),
    GUILD_DEFAULTS,
  );
  const channels = mergeById(
    current.channels,
    (c) => c.channelId,
    (patch.channels ?? []).map((c) => [String(c.channelId), c.settings] as const),
    (channelId) => ({ __typename: 'ChannelSettings' as const, channelId, ...CHANNEL_DEFAULTS }),
    CHANNEL_DEFAULTS,
  );
  return {
    ...current,
    version: current.version + 1,
    guilds,
    channels,
    guildFolders: patch.guildFolders
      ? patch.guildFolders.map((f) => ({
          __typename: 'GuildFolder' as const,
          id: String(f.id),
          name: f.name ?? null,
          color: f.color ?? null,
          guildIds: f.guildIds.map(String),
        }))
      : current.guildFolders,
    guildOrder: patch.guildOrder ? patch.guildOrder.map(String) : current.guildOrder,
    appearance: mergePart(current.appearance, patch.appearance, APPEARANCE_DEFAULTS),
    voice: mergePart(current.voice, patch.voice, VOICE_DEFAULTS),
    sounds: mergePart(current.sounds, patch.sounds, SOUND_DEFAULTS),
  };
}
