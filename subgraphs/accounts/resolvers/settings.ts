import { parseInput } from '@gochat/errors';
import { settingsPatchSchema, type SettingsPatch, type StoredSettings } from '@gochat/user-settings';

import type { Resolvers, UserSettings, UserSettingsPatch } from '../generated/resolvers.ts';
import { SettingsConflict, settingsConflict } from '../store/settings.ts';
import { signedInUser } from './context.ts';

const iso = (value: Date | null | undefined): string | null | undefined =>
  value instanceof Date ? value.toISOString() : value;

/** Drops absent (undefined) fields, keeping nulls: in a patch, null means "reset". */
const defined = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Lists of per-id changes as the map patch @gochat/user-settings merges (null: remove). */
function byId<E, V>(entries: readonly E[] | null | undefined, key: (e: E) => string, value: (e: E) => V) {
  if (!entries) return undefined;
  const map: Record<string, V> = {};
  for (const entry of entries) map[key(entry)] = value(entry);
  return map;
}

/** The API's patch (lists keyed by id, DateTime values) as the package's patch (maps, ISO strings). */
export function toPatch(input: UserSettingsPatch): SettingsPatch {
  const raw = defined({
    guilds: byId(
      input.guilds,
      (e) => e.guildId,
      (e) => (e.settings ? defined({ ...e.settings, muteEndsAt: iso(e.settings.muteEndsAt) }) : null),
    ),
    channels: byId(
      input.channels,
      (e) => e.channelId,
      (e) => (e.settings ? defined({ ...e.settings, muteEndsAt: iso(e.settings.muteEndsAt) }) : null),
    ),
    hiddenDirectChannels: byId(
      input.hiddenDirectChannels,
      (e) => e.channelId,
      (e) => (e.hidden ? true : null),
    ),
    guildFolders: input.guildFolders?.map((f) => defined({ ...f })),
    guildOrder: input.guildOrder ?? undefined,
    appearance: input.appearance ? defined({ ...input.appearance }) : undefined,
    voice: input.voice ? defined({ ...input.voice }) : undefined,
    sounds: input.sounds ? defined({ ...input.sounds }) : undefined,
    status: input.status
      ? defined({
          forced: input.status.forced,
          custom: input.status.custom
            ? defined({ ...input.status.custom, expiresAt: iso(input.status.custom.expiresAt) })
            : input.status.custom,
        })
      : undefined,
  });
  // Types, lengths and ranges per field (VALIDATION naming it); limits once merged (the store).
  return parseInput(settingsPatchSchema, raw, 'patch');
}

/** The stored document in the API's shape (maps as lists carrying their ids). */
export function toApi({ version, updatedAt, document: d }: StoredSettings): UserSettings {
  return {
    version,
    updatedAt,
    guilds: Object.entries(d.guilds).map(([guildId, o]) => ({ guildId, ...o, level: o.level ?? null })),
    channels: Object.entries(d.channels).map(([channelId, o]) => ({
      channelId,
      ...o,
      level: o.level ?? null,
    })),
    guildFolders: d.guildFolders,
    guildOrder: d.guildOrder,
    hiddenDirectChannels: Object.entries(d.hiddenDirectChannels).map(([channelId, h]) => ({
      channelId,
      lastMessageId: h.lastMessageId,
    })),
    appearance: d.appearance,
    voice: d.voice,
    sounds: d.sounds,
    status: d.status,
  };
}

/** mySettings and updateSettings: only ever the caller's own settings. */
export const settingsResolvers: Resolvers = {
  Query: {
    mySettings: async (_root, _args, ctx) =>
      toApi(await ctx.store.settings(signedInUser(ctx.identity).userId)),
  },
  Mutation: {
    updateSettings: async (_root, { patch, expectedVersion }, ctx) => {
      const { userId } = signedInUser(ctx.identity);
      const parsed = toPatch(patch);
      try {
        const saved = await ctx.store.updateSettings(userId, expectedVersion, parsed);
        ctx.kick();
        return toApi(saved);
      } catch (error) {
        if (error instanceof SettingsConflict) throw settingsConflict(error.current, toApi);
        throw error;
      }
    },
  },
};
