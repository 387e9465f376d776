import type { BusEvent } from '@gochat/bus';
import { isForeignKeyViolation, isUniqueViolation, type Database, type Transaction } from '@gochat/db';
import { emojis } from '@gochat/drizzle';
import { DomainError, conflict, notFound } from '@gochat/errors';
import type { SnowflakeGenerator } from '@gochat/ids';
import { claimUpload } from '@gochat/uploads';
import { and, asc, count, eq, inArray } from 'drizzle-orm';

import { diff } from './audit.ts';
import { forKeys } from './queries.ts';
import type { AuditChangeRow, EmojiRow } from './rows.ts';
import { guildEvent, lockGuild, recordChange } from './tx.ts';

/** Per guild: 50 static and 50 animated emoji. */
export const EMOJI_QUOTA = 50;

export interface NewEmoji {
  guildId: string;
  creatorId: string;
  name: string;
  animated: boolean;
  assetRef: string;
  /** An EMOJI upload of the creator's for this guild, claimed in the same transaction. */
  uploadId?: string | undefined;
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

/** What an emoji's audit entries record of it. */
const auditable = (e: EmojiRow) => ({ name: e.name, animated: e.animated, assetRef: e.assetRef });

const EVENT_OF = {
  EMOJI_CREATE: 'EmojiCreated',
  EMOJI_UPDATE: 'EmojiUpdated',
  EMOJI_DELETE: 'EmojiDeleted',
} as const;

export function emojisStore(db: Database, ids: SnowflakeGenerator) {
  /** The audit entry and event of one change to the emoji (its row as the change left it). */
  function recordEmojiChange(
    tx: Transaction,
    emoji: EmojiRow,
    actor: { actorId: string; reason: string | null },
    action: keyof typeof EVENT_OF,
    changes: AuditChangeRow[],
  ): Promise<BusEvent[]> {
    const by = { guildId: emoji.guildId, ...actor };
    return recordChange(tx, ids, by, { action, targetType: 'EMOJI', targetId: emoji.id, changes }, [
      guildEvent(by, EVENT_OF[action], { emojiId: emoji.id }),
    ]);
  }

  return {
    emojisByIds: (list: readonly string[]): Promise<EmojiRow[]> =>
      forKeys(list, (keys) => db.select().from(emojis).where(inArray(emojis.id, keys))),

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
          await lockGuild(tx, input.guildId);
          const emojiId = ids.next();
          // An uploaded image decides whether it is animated; the upload is used once, by this emoji.
          const animated = input.uploadId
            ? (
                await claimUpload(tx, {
                  id: input.uploadId,
                  ownerId: input.creatorId,
                  kind: 'emoji',
                  guildId: input.guildId,
                  targetId: emojiId,
                  field: 'uploadId',
                })
              ).animated
            : input.animated;
          const [held] = await tx
            .select({ n: count() })
            .from(emojis)
            .where(and(eq(emojis.guildId, input.guildId), eq(emojis.animated, animated)));
          if (Number(held?.n ?? 0) >= EMOJI_QUOTA)
            throw new DomainError(
              'LIMIT_REACHED',
              `A guild has at most ${EMOJI_QUOTA} ${animated ? 'animated' : 'static'} emoji.`,
            );
          const [row] = await tx
            .insert(emojis)
            .values({
              id: emojiId,
              guildId: input.guildId,
              name: input.name,
              animated,
              assetRef: input.assetRef,
              creatorId: input.creatorId,
            })
            .returning();
          if (!row) throw new Error('insert returned no emoji');
          const actor = { actorId: input.creatorId, reason: input.reason };
          await recordEmojiChange(tx, row, actor, 'EMOJI_CREATE', diff({}, auditable(row)));
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
          const changes = diff({ name: before.name }, { name: row.name });
          await recordEmojiChange(tx, row, { actorId, reason }, 'EMOJI_UPDATE', changes);
          return row;
        })
        .catch(uniqueName<EmojiRow>(name)),

    /** Deletes with an EMOJI_DELETE audit entry and EmojiDeleted event; NOT_FOUND when it is gone. */
    deleteEmoji: (emojiId: string, actorId: string, reason: string | null): Promise<EmojiRow> =>
      db.transaction(async (tx) => {
        const [row] = await tx.delete(emojis).where(eq(emojis.id, emojiId)).returning();
        if (!row) throw notFound('Emoji');
        await recordEmojiChange(tx, row, { actorId, reason }, 'EMOJI_DELETE', diff(auditable(row), {}));
        return row;
      }),
  };
}
