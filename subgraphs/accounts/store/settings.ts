import type { Database, Transaction } from '@gochat/db';
import { userSettings } from '@gochat/drizzle';
import { DomainError, conflict, validation } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import { appendToOutbox } from '@gochat/outbox';
import {
  applyPatch,
  directChannelHeads,
  memberGuildIds,
  newReferences,
  reachableChannels,
  readSettings,
  type SettingsDocument,
  type SettingsPatch,
  type StoredSettings,
} from '@gochat/user-settings';
import { eq, sql } from 'drizzle-orm';

/** What a CONFLICT carries: the settings as they are now (the resolver shapes them for the API). */
export class SettingsConflict extends Error {
  constructor(readonly current: StoredSettings) {
    super('settings version moved on');
  }
}

/**
 * VALIDATION for an id the patch brings in that the user has no part in. Checked against the
 * database inside the write's transaction: a guild left meanwhile is refused, not stored.
 */
async function checkReferences(
  tx: Transaction,
  userId: string,
  current: SettingsDocument,
  patch: SettingsPatch,
): Promise<Map<string, string | null>> {
  const refs = newReferences(current, patch);
  const guilds = await memberGuildIds(tx, userId, refs.guildIds);
  const missingGuild = refs.guildIds.find((id) => !guilds.has(id));
  if (missingGuild) throw validation(`patch: you are not a member of guild ${missingGuild}`, 'patch.guilds');

  const channels = await reachableChannels(tx, userId, [
    ...refs.channelIds,
    ...refs.selectedChannels.map(([, channelId]) => channelId),
  ]);
  const missingChannel = refs.channelIds.find((id) => !channels.has(id));
  if (missingChannel)
    throw validation(`patch: channel ${missingChannel} is not one of yours`, 'patch.channels');
  const wrongSelected = refs.selectedChannels.find(
    ([guildId, channelId]) => channels.get(channelId) !== guildId,
  );
  if (wrongSelected)
    throw validation(`patch: channel ${wrongSelected[1]} is not a channel of that guild`, 'patch.guilds');

  const heads = await directChannelHeads(tx, userId, refs.directChannelIds);
  const missingDm = refs.directChannelIds.find((id) => !heads.has(id));
  if (missingDm) throw validation(`patch: you take no part in DM ${missingDm}`, 'patch.hiddenDirectChannels');
  return heads;
}

/** The user's settings document (owned by accounts; others read it through @gochat/user-settings). */
export function settingsStore(db: Database) {
  return {
    settings: (userId: string): Promise<StoredSettings> => readSettings(db, userId),

    /**
     * Applies a patch when the stored version is still `expectedVersion`: one transaction that locks
     * the user's row, checks, writes version + 1 and appends SettingsUpdated to the outbox. Throws
     * SettingsConflict on a stale version and VALIDATION on a bad result; either way nothing is stored.
     */
    updateSettings: (
      userId: string,
      expectedVersion: number,
      patch: SettingsPatch,
    ): Promise<StoredSettings> =>
      db.transaction(async (tx) => {
        // The row exists from here (version 0 until the first change), so it can be locked.
        await tx.insert(userSettings).values({ userId }).onConflictDoNothing();
        await tx.execute(sql`select 1 from ${userSettings} where user_id = ${userId} for update`);
        const current = await readSettings(tx, userId);
        if (current.version !== expectedVersion) throw new SettingsConflict(current);

        const heads = await checkReferences(tx, userId, current.document, patch);
        const merged = applyPatch(current.document, patch, heads);
        if (!merged.ok)
          throw new DomainError('VALIDATION', `patch.${merged.path}: ${merged.message}`, {
            details: { field: `patch.${merged.path}` },
          });

        const [row] = await tx
          .update(userSettings)
          .set({ version: current.version + 1, document: merged.document, updatedAt: new Date() })
          .where(eq(userSettings.userId, userId))
          .returning();
        if (!row) throw new Error('user_settings row vanished under its lock');
        await appendToOutbox(tx, [
          newEvent('SettingsUpdated', subjects.user(userId), {
            userId,
            version: row.version,
            document: merged.document,
          }),
        ]);
        return { userId, version: row.version, document: merged.document, updatedAt: row.updatedAt };
      }),
  };
}

/** CONFLICT with the current settings, shaped for the API by `shape`. */
export const settingsConflict = (current: StoredSettings, shape: (s: StoredSettings) => unknown) =>
  conflict('Your settings changed on another device: merge with these and retry.', {
    currentVersion: current.version,
    currentSettings: shape(current),
  });
