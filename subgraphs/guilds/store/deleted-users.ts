import type { Database } from '@gochat/db';
import { guildMembers, guilds } from '@gochat/drizzle';
import { appendToOutbox } from '@gochat/outbox';
import { and, eq, inArray, ne } from 'drizzle-orm';

import { releaseMemberAvatars } from './member-avatars.ts';
import { memberRemoved } from './tx.ts';

/** What removing a deleted account's memberships did. */
export interface DeletedUserCleanup {
  /** Guilds the account left now (each announced with GuildMemberRemoved, reason leave). */
  left: string[];
  /** Guilds it still owns, so stays in: only a guild created while the deletion committed. */
  owned: string[];
}

/**
 * A deleted account leaves every guild it does not own (decision 0050), as if it had left each one:
 * GuildMemberRemoved (reason leave, by the user) for each row removed, in the same transaction.
 * Idempotent: a redelivered UserDeleted finds nothing left and announces nothing.
 */
export async function removeDeletedUserMemberships(
  db: Database,
  userId: string,
): Promise<DeletedUserCleanup> {
  return db.transaction(async (tx) => {
    const removed = await tx
      .delete(guildMembers)
      .where(
        and(
          eq(guildMembers.userId, userId),
          // An owner cannot leave; deleteAccount refused owners, so only a race leaves one here.
          inArray(
            guildMembers.guildId,
            tx.select({ id: guilds.id }).from(guilds).where(ne(guilds.ownerId, userId)),
          ),
        ),
      )
      .returning({ guildId: guildMembers.guildId, avatarUploadId: guildMembers.avatarUploadId });
    await releaseMemberAvatars(tx, removed);
    const left = removed.map((r) => r.guildId);
    if (left.length > 0)
      await appendToOutbox(
        tx,
        left.flatMap((guildId) => memberRemoved({ guildId, actorId: userId }, userId, 'leave')),
      );
    const owned = await tx.select({ id: guilds.id }).from(guilds).where(eq(guilds.ownerId, userId));
    return { left, owned: owned.map((g) => g.id) };
  });
}
