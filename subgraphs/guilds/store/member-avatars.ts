import type { Database, Transaction } from '@gochat/db';
import { guildMembers } from '@gochat/drizzle';
import { notFound } from '@gochat/errors';
import { appendToOutbox } from '@gochat/outbox';
import { claimGuildAvatar, release } from '@gochat/uploads';

import { memberIs, selectMembers } from './queries.ts';
import type { MemberRow } from './rows.ts';
import { guildEvent } from './tx.ts';

/**
 * Releases the guild avatars of memberships a transaction removed (leave, kick, ban, a deleted
 * account), in that transaction: the media janitor deletes their files after the commit.
 */
export async function releaseMemberAvatars(
  tx: Transaction,
  removed: readonly { avatarUploadId: string | null }[],
): Promise<void> {
  const uploadIds = removed.flatMap((r) => (r.avatarUploadId ? [r.avatarUploadId] : []));
  if (uploadIds.length > 0) await release(tx, { uploadIds });
}

/** Members' per-guild avatars (Discord's server profile avatar). */
export function memberAvatarsStore(db: Database) {
  return {
    /**
     * Sets (an `avatar` upload of the member's, claimed here) or clears (null) the member's avatar in
     * the guild, with GuildMemberUpdated (fields: avatar) through the outbox. The one it replaces is
     * released in the same transaction. Setting the current one again changes nothing.
     * NOT_FOUND when the membership is gone; VALIDATION (uploadId) for an upload that is not a
     * finished, unused avatar upload of the member's.
     */
    setMemberAvatar: (guildId: string, userId: string, uploadId: string | null): Promise<MemberRow> =>
      db.transaction(async (tx) => {
        const [before] = await tx
          .select({ avatarUploadId: guildMembers.avatarUploadId })
          .from(guildMembers)
          .where(memberIs(guildId, userId))
          .for('update');
        if (!before) throw notFound('Member');
        if (before.avatarUploadId !== uploadId) {
          if (uploadId !== null)
            await claimGuildAvatar(tx, { id: uploadId, userId, guildId, field: 'uploadId' });
          await tx.update(guildMembers).set({ avatarUploadId: uploadId }).where(memberIs(guildId, userId));
          await releaseMemberAvatars(tx, [before]);
          await appendToOutbox(tx, [
            guildEvent({ guildId, actorId: userId }, 'GuildMemberUpdated', { userId, fields: ['avatar'] }),
          ]);
        }
        const [member] = await selectMembers(tx, memberIs(guildId, userId));
        if (!member) throw notFound('Member');
        return member;
      }),
  };
}
