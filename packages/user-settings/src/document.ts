import { isSnowflake } from '@gochat/ids';
import { z } from 'zod';

/** At most this many guild folders (issue 18). */
export const MAX_FOLDERS = 200;
/** At most this many per-channel overrides (channels, threads and DMs together; issue 18). */
export const MAX_CHANNEL_OVERRIDES = 500;
/** At most this many per-guild overrides: more than the guilds one user can be in. */
export const MAX_GUILD_OVERRIDES = 500;
/** At most this many hidden DMs. */
export const MAX_HIDDEN_DIRECT_CHANNELS = 500;
/** At most this many guilds in the guild order, and in one folder. */
export const MAX_GUILD_IDS = 500;
/** A custom status's text, at most (issue 18). */
export const CUSTOM_STATUS_MAX = 255;
/** A folder's name, at most. */
export const FOLDER_NAME_MAX = 100;
/** A device id as browsers report it (MediaDeviceInfo.deviceId), at most. */
export const DEVICE_ID_MAX = 512;

export const NOTIFICATION_LEVELS = ['ALL', 'MENTIONS', 'NOTHING'] as const;
export const THEMES = ['DARK', 'LIGHT', 'SYSTEM'] as const;
export const DENSITIES = ['COZY', 'COMPACT'] as const;
export const FORCED_STATUSES = ['ONLINE', 'IDLE', 'DND', 'INVISIBLE'] as const;
/** The UI sounds a client plays; each can be turned off on its own. */
export const UI_SOUNDS = [
  'MESSAGE',
  'MENTION',
  'CALL_RINGING',
  'USER_JOIN',
  'USER_LEAVE',
  'MUTE',
  'DEAFEN',
  'STREAM',
] as const;

export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];

const id = z.string().refine(isSnowflake, 'must be a snowflake id');
const instant = z.iso.datetime({ offset: true });
const ids = z.array(id).max(MAX_GUILD_IDS);
/** A map keyed by snowflake id, at most `max` keys. */
const idMap = <T extends z.ZodType>(value: T, max: number) =>
  z.record(id, value).refine((map) => Object.keys(map).length <= max, `at most ${max} entries`);

/** What a guild, channel, thread or DM override sets; unset (absent) fields inherit. */
const notificationFields = {
  /** Null or absent: inherit (the parent channel's, the guild's, then ALL). */
  level: z.enum(NOTIFICATION_LEVELS).nullable().optional(),
  muted: z.boolean().default(false),
  /** A timed mute ends then; null: until unmuted. */
  muteEndsAt: instant.nullable().default(null),
};

export const channelOverrideSchema = z.strictObject(notificationFields);
export const guildOverrideSchema = z.strictObject({
  ...notificationFields,
  suppressEveryone: z.boolean().default(false),
  suppressRoles: z.boolean().default(false),
  /** The channel the client opens in this guild. */
  selectedChannelId: id.nullable().default(null),
});

export const folderSchema = z.strictObject({
  /** Chosen by the client, unique in the list. */
  id: z.string().min(1).max(64),
  name: z.string().trim().max(FOLDER_NAME_MAX).nullable().default(null),
  /** 0xRRGGBB, or null for the default colour. */
  color: z.number().int().min(0).max(0xffffff).nullable().default(null),
  guildIds: ids,
});

/**
 * A hidden DM, with the channel's newest message when it was hidden: it shows again once a newer
 * message arrives (as Discord does), with no write to the settings from the messages subgraph.
 */
export const hiddenDirectChannelSchema = z.strictObject({ lastMessageId: id.nullable() });

const appearanceSchema = z.strictObject({
  /** A BCP 47 tag such as en-US; null: the browser's. */
  locale: z
    .string()
    .max(35)
    .regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag')
    .nullable()
    .default(null),
  theme: z.enum(THEMES).default('SYSTEM'),
  density: z.enum(DENSITIES).default('COZY'),
});

const deviceId = z.string().max(DEVICE_ID_MAX).nullable().default(null);
const voiceSchema = z.strictObject({
  /** Null: the system default device. */
  inputDeviceId: deviceId,
  outputDeviceId: deviceId,
  videoDeviceId: deviceId,
  /** Percent, 0-200. */
  inputVolume: z.number().int().min(0).max(200).default(100),
  outputVolume: z.number().int().min(0).max(200).default(100),
  /** Voice activity threshold in dB, -100 to 0; null: set automatically. */
  inputSensitivity: z.number().min(-100).max(0).nullable().default(null),
  noiseSuppression: z.boolean().default(true),
  echoCancellation: z.boolean().default(true),
  automaticGainControl: z.boolean().default(true),
});

const soundsSchema = z.strictObject({
  /** All UI sounds off at once. */
  enabled: z.boolean().default(true),
  /** Sounds turned off one by one. */
  disabled: z
    .array(z.enum(UI_SOUNDS))
    .max(UI_SOUNDS.length)
    .refine((list) => new Set(list).size === list.length, 'lists a sound twice')
    .default([]),
});

export const customStatusSchema = z.strictObject({
  text: z.string().max(CUSTOM_STATUS_MAX),
  /** A Unicode emoji, or a custom emoji's id. */
  emoji: z.string().min(1).max(64).nullable().default(null),
  /** It clears itself then; null: until changed. */
  expiresAt: instant.nullable().default(null),
});

const statusSchema = z.strictObject({
  /** The status every new connection starts with; null: the connection's own (online). */
  forced: z.enum(FORCED_STATUSES).nullable().default(null),
  custom: customStatusSchema.nullable().default(null),
});

/**
 * One user's settings document as stored (user_settings.document) and carried by SettingsUpdated.
 * Strict: unknown keys are refused; every part has a default, so `{}` parses to the defaults.
 */
export const settingsDocumentSchema = z.strictObject({
  guilds: idMap(guildOverrideSchema, MAX_GUILD_OVERRIDES).default({}),
  /** Channels, threads, DMs and group DMs, by id. */
  channels: idMap(channelOverrideSchema, MAX_CHANNEL_OVERRIDES).default({}),
  guildFolders: z
    .array(folderSchema)
    .max(MAX_FOLDERS)
    .refine((list) => new Set(list.map((f) => f.id)).size === list.length, 'folder ids must be unique')
    .default([]),
  guildOrder: ids.default([]),
  hiddenDirectChannels: idMap(hiddenDirectChannelSchema, MAX_HIDDEN_DIRECT_CHANNELS).default({}),
  appearance: appearanceSchema.prefault({}),
  voice: voiceSchema.prefault({}),
  sounds: soundsSchema.prefault({}),
  status: statusSchema.prefault({}),
});

export type SettingsDocument = z.infer<typeof settingsDocumentSchema>;
export type GuildOverride = z.infer<typeof guildOverrideSchema>;
export type ChannelOverride = z.infer<typeof channelOverrideSchema>;
export type Folder = z.infer<typeof folderSchema>;
export type CustomStatus = z.infer<typeof customStatusSchema>;

/** The document of a user who never changed a setting. */
export const defaultSettings = (): SettingsDocument => settingsDocumentSchema.parse({});

/**
 * A stored document, read leniently: a document that no longer parses (written by an older build
 * whose limits differed) falls back to the defaults part by part rather than failing every read.
 */
export function readDocument(stored: unknown): SettingsDocument {
  const whole = settingsDocumentSchema.safeParse(stored ?? {});
  if (whole.success) return whole.data;
  const parts = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  const result = defaultSettings() as Record<string, unknown>;
  for (const key of Object.keys(settingsDocumentSchema.shape)) {
    const part = settingsDocumentSchema.safeParse({ [key]: parts[key] });
    if (part.success) result[key] = (part.data as Record<string, unknown>)[key];
  }
  return result as SettingsDocument;
}
