import { isSnowflake } from '@gochat/ids';
import { z } from 'zod';

import {
  CUSTOM_STATUS_MAX,
  DENSITIES,
  FORCED_STATUSES,
  MAX_CHANNEL_OVERRIDES,
  MAX_GUILD_OVERRIDES,
  MAX_HIDDEN_DIRECT_CHANNELS,
  NOTIFICATION_LEVELS,
  THEMES,
  UI_SOUNDS,
  settingsDocumentSchema,
  type SettingsDocument,
} from './document.ts';

/*
 * A partial update (updateSettings' patch). How each part merges:
 * - guilds, channels: maps merged by key. A key set to null deletes that override; a key set to an
 *   object merges field by field into the existing override (absent fields stay, null fields go back
 *   to their default: for `level`, inherit).
 * - hiddenDirectChannels: merged by key; true hides the DM (the store records the channel's newest
 *   message), null shows it again.
 * - guildFolders, guildOrder, sounds.disabled: lists, replaced whole.
 * - appearance, voice, sounds, status: objects merged field by field (null resets a field to its
 *   default); status.custom is replaced whole (null clears it).
 * The result is validated as a whole document (limits included) before anything is stored.
 */

const id = z.string().refine(isSnowflake, 'must be a snowflake id');
const instant = z.iso.datetime({ offset: true });
/** A map patch: at most the document's limit of keys, so a huge patch fails before any merging. */
const mapPatch = <T extends z.ZodType>(value: T, max: number) =>
  z.record(id, value.nullable()).refine((map) => Object.keys(map).length <= max, `at most ${max} entries`);

const notificationPatch = {
  level: z.enum(NOTIFICATION_LEVELS).nullable().optional(),
  muted: z.boolean().nullable().optional(),
  muteEndsAt: instant.nullable().optional(),
};

export const settingsPatchSchema = z.strictObject({
  guilds: mapPatch(
    z.strictObject({
      ...notificationPatch,
      suppressEveryone: z.boolean().nullable().optional(),
      suppressRoles: z.boolean().nullable().optional(),
      selectedChannelId: id.nullable().optional(),
    }),
    MAX_GUILD_OVERRIDES,
  ).optional(),
  channels: mapPatch(z.strictObject(notificationPatch), MAX_CHANNEL_OVERRIDES).optional(),
  hiddenDirectChannels: mapPatch(z.literal(true), MAX_HIDDEN_DIRECT_CHANNELS).optional(),
  guildFolders: settingsDocumentSchema.shape.guildFolders.removeDefault().optional(),
  guildOrder: settingsDocumentSchema.shape.guildOrder.removeDefault().optional(),
  appearance: z
    .strictObject({
      locale: z.string().max(35).nullable().optional(),
      theme: z.enum(THEMES).nullable().optional(),
      density: z.enum(DENSITIES).nullable().optional(),
    })
    .optional(),
  voice: z
    .strictObject({
      inputDeviceId: z.string().nullable().optional(),
      outputDeviceId: z.string().nullable().optional(),
      videoDeviceId: z.string().nullable().optional(),
      inputVolume: z.number().nullable().optional(),
      outputVolume: z.number().nullable().optional(),
      inputSensitivity: z.number().nullable().optional(),
      noiseSuppression: z.boolean().nullable().optional(),
      echoCancellation: z.boolean().nullable().optional(),
      automaticGainControl: z.boolean().nullable().optional(),
    })
    .optional(),
  sounds: z
    .strictObject({
      enabled: z.boolean().nullable().optional(),
      disabled: z.array(z.enum(UI_SOUNDS)).max(UI_SOUNDS.length).nullable().optional(),
    })
    .optional(),
  status: z
    .strictObject({
      forced: z.enum(FORCED_STATUSES).nullable().optional(),
      custom: z
        .strictObject({
          text: z.string().max(CUSTOM_STATUS_MAX),
          emoji: z.string().nullable().optional(),
          expiresAt: instant.nullable().optional(),
        })
        .nullable()
        .optional(),
    })
    .optional(),
});

export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** What a hidden DM is stored with: the channel's newest message id now (null: no message yet). */
export type HiddenAt = ReadonlyMap<string, string | null>;

/** Drops the keys set to null: each then falls back to its default in the whole-document parse. */
function withoutNulls(patch: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null && v !== undefined));
}

/** Merges an object part field by field: absent fields stay, null ones go back to their default. */
function mergePart(current: object, patch: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!patch) return { ...current };
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

function mergeMap(
  current: Record<string, object>,
  patch: Record<string, Record<string, unknown> | null> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete out[key];
    else out[key] = mergePart(current[key] ?? {}, value);
  }
  return out;
}

/**
 * The document after the patch, validated whole: `{ ok: false }` with the first issue (path and
 * message) when the result breaks a rule or a limit. `hiddenAt` gives, for each DM the patch hides,
 * the channel's newest message id now.
 */
export function applyPatch(
  current: SettingsDocument,
  patch: SettingsPatch,
  hiddenAt: HiddenAt = new Map(),
): { ok: true; document: SettingsDocument } | { ok: false; path: string; message: string } {
  const hidden: Record<string, unknown> = { ...current.hiddenDirectChannels };
  for (const [channelId, value] of Object.entries(patch.hiddenDirectChannels ?? {})) {
    if (value === null) delete hidden[channelId];
    else hidden[channelId] = { lastMessageId: hiddenAt.get(channelId) ?? null };
  }
  const status = mergePart(current.status, patch.status && { ...patch.status, custom: undefined });
  if (patch.status?.custom === null) status.custom = null;
  else if (patch.status?.custom) status.custom = withoutNulls(patch.status.custom);

  const merged = {
    guilds: mergeMap(current.guilds, patch.guilds),
    channels: mergeMap(current.channels, patch.channels),
    guildFolders: patch.guildFolders ?? current.guildFolders,
    guildOrder: patch.guildOrder ?? current.guildOrder,
    hiddenDirectChannels: hidden,
    appearance: mergePart(current.appearance, patch.appearance),
    voice: mergePart(current.voice, patch.voice),
    sounds: mergePart(current.sounds, patch.sounds),
    status,
  };
  const parsed = settingsDocumentSchema.safeParse(merged);
  if (parsed.success) return { ok: true, document: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    path: issue?.path.map(String).join('.') ?? '',
    message: issue?.message ?? 'Invalid settings.',
  };
}

export interface NewReferences {
  /** Guilds the user must be a member of. */
  guildIds: string[];
  /** Channels, threads or DMs the user must be able to reach (a guild of theirs, or a participant). */
  channelIds: string[];
  /** [guildId, channelId]: a selected channel must be a channel of that guild. */
  selectedChannels: [string, string][];
  /** DMs to hide: the user must take part in them. */
  directChannelIds: string[];
}

/**
 * The ids a patch brings in that the current document does not have yet: they must be guilds the
 * user is in, and channels (DMs, threads) they take part in. Ids already there are not checked again,
 * so a user who left a guild can still remove it from a folder or an override.
 */
export function newReferences(current: SettingsDocument, patch: SettingsPatch): NewReferences {
  const knownGuilds = new Set<string>([
    ...Object.keys(current.guilds),
    ...current.guildOrder,
    ...current.guildFolders.flatMap((f) => f.guildIds),
  ]);
  const guildIds = new Set<string>();
  const addGuild = (guildId: string) => {
    if (!knownGuilds.has(guildId)) guildIds.add(guildId);
  };
  for (const [guildId, value] of Object.entries(patch.guilds ?? {})) if (value) addGuild(guildId);
  for (const guildId of patch.guildOrder ?? []) addGuild(guildId);
  for (const folder of patch.guildFolders ?? []) for (const guildId of folder.guildIds) addGuild(guildId);

  const channelIds = new Set<string>();
  for (const [channelId, value] of Object.entries(patch.channels ?? {}))
    if (value && !(channelId in current.channels)) channelIds.add(channelId);
  const selectedChannels: [string, string][] = [];
  for (const [guildId, value] of Object.entries(patch.guilds ?? {})) {
    const selected = value?.selectedChannelId;
    if (selected && current.guilds[guildId]?.selectedChannelId !== selected)
      selectedChannels.push([guildId, selected]);
  }
  const directChannelIds = Object.entries(patch.hiddenDirectChannels ?? {})
    .filter(([, value]) => value !== null)
    .map(([channelId]) => channelId);
  return { guildIds: [...guildIds], channelIds: [...channelIds], selectedChannels, directChannelIds };
}
