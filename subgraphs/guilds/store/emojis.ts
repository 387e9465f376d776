import { isForeignKeyViolation, isUniqueViolation, type Database } from '@gochat/db';
import { emojis, guilds } from '@gochat/drizzle';
import { DomainError, conflict, notFound } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import { appendToOutbox } from '@gochat/outbox';
import { and, asc, count, eq, inArray } from 'drizzle-orm';

import { diff, recordAudit } from './audit.ts';
import type { EmojiRow } from './rows.ts';

/** Per guild: 50 static and 50 animated emoji. */
export const EMOJI_QUOTA = 50;

export interface NewEmoji {
  guildId: string;
  creatorId: string;
  name: string;
  animated: boolean;
  assetRef: string;
  reason: string | null;
}

const nameTaken = (name: string) => conflict(`An emoji named "${name}" already exists in this guild.`);

/** Maps the case-insensitive name index's violation to CONFLICT. */
function uniqueName<T>(name: string) {
  return (error: unknown): T => {
    if (isUniqueViolation(error, 'emojis_guild_name_idx')) throw nameTaken(name);
    throw error;
  };
}

export function emojisStore(db: Database, ids: SnowflakeGenerator) {
  return {
    emojisByIds: (list: readonly string[]): Promise<EmojiRow[]> =>
      list.length
        ? db
            .select()
            .from(emojis)
            .where(inArray(emojis.id, [...list]))
        : Promise.resolve([]),

    /** The guild's emoji, oldest first. */
    emojisOfGuild: (guildId: string): Promise<EmojiRow[]> =>
      db.select().from(emojis).where(eq(emojis.guildId, guildId)).orderBy(asc(emojis.id)),

    /**
     * Creates the emoji with its EMOJI_CREATE audit entry and EmojiCreated event. The quota is counted
     * with the guild row locked, so concurrent creations cannot exceed it. NOT_FOUND when the guild is
     * gone, LIMIT_REACHED at the quota, CONFLICT when the name is taken (in any case).
     */
    createEmoji: (input: NewEmoji): Promise<EmojiRow> =>
      db
        .transaction(async (tx) => {
          const [guild] = await tx
            .select({ id: guilds.id })
            .from(guilds)
            .where(eq(guilds.id, input.guildId))
            .for('update');
          if (!guild) throw notFound('Guild');
          const [held] = await tx
            .select({ n: count() })
            .from(emojis)
            .where(and(eq(emojis.guildId, input.guildId), eq(emojis.animated, input.animated)));
          if (Number(held?.n ?? 0) >= EMOJI_QUOTA)
            throw new DomainError(
              'LIMIT_REACHED',
              `A guild has at most ${EMOJI_QUOTA} ${input.animated ? 'animated' : 'static'} emoji.`,
            );
          const [row] = await tx
            .insert(emojis)
            .values({
              id: ids.next(),
              guildId: input.guildId,
              name: input.name,
              animated: input.animated,
              assetRef: input.assetRef,
              creatorId: input.creatorId,
            })
            .returning();
          if (!row) throw new Error('insert returned no emoji');
          await recordAudit(tx, ids, {
            guildId: input.guildId,
            actorId: input.creatorId,
            action: 'EMOJI_CREATE',
            targetType: 'EMOJI',
            targetId: row.id,
            changes: diff({}, { name: row.name, animated: row.animated, assetRef: row.assetRef }),
            reason: input.reason,
          });
          await appendToOutbox(tx, [
            newEvent('EmojiCreated', subjects.guild(input.guildId), {
              guildId: input.guildId,
              actorId: input.creatorId,
              emojiId: row.id,
            }),
          ]);
          return row;
        })
        .catch((error: unknown) => {
          if (isForeignKeyViolation(error)) throw notFound('Guild');
          return uniqueName<EmojiRow>(input.name)(error);
        }),

    /** Renames with an EMOJI_UPDATE audit entry and EmojiUpdated event (nothing when the name is the same). */
    renameEmoji: (emojiId: string, name: string, actorId: string, reason: string | null): Promise<EmojiRow> =>
      db
        .transaction(async (tx) => {
          const [before] = await tx.select().from(emojis).where(eq(emojis.id, emojiId)).for('update');
          if (!before) throw notFound('Emoji');
          if (before.name === name) return before;
          const [row] = await tx.update(emojis).set({ name }).where(eq(emojis.id, emojiId)).returning();
          if (!row) throw notFound('Emoji');
          await recordAudit(tx, ids, {
            guildId: row.guildId,
            actorId,
            action: 'EMOJI_UPDATE',
            targetType: 'EMOJI',
            targetId: row.id,
            changes: diff({ name: before.name }, { name: row.name }),
            reason,
          });
          await appendToOutbox(tx, [
            newEvent('EmojiUpdated', subjects.guild(row.guildId), { guildId: row.guildId, actorId, emojiId }),
          ]);
          return row;
        })
        .catch(uniqueName<EmojiRow>(name)),

    /** Deletes with an EMOJI_DELETE audit entry and EmojiDeleted event; NOT_FOUND when it is gone. */
    deleteEmoji: (emojiId: string, actorId: string, reason: string | null): Promise<EmojiRow> =>
      db.transaction(async (tx) => {
        const [row] = await tx.delete(emojis).where(eq(emojis.id, emojiId)).returning();
        if (!row) throw notFound('Emoji');
        await recordAudit(tx, ids, {
          guildId: row.guildId,
          actorId,
          action: 'EMOJI_DELETE',
          targetType: 'EMOJI',
          targetId: row.id,
          changes: diff({ name: row.name, animated: row.animated, assetRef: row.assetRef }, {}),
          reason,
        });
        await appendToOutbox(tx, [
          newEvent('EmojiDeleted', subjects.guild(row.guildId), { guildId: row.guildId, actorId, emojiId }),
        ]);
        return row;
      }),
  };
}
