import type { Database, Transaction } from '@gochat/db';
import {
  account,
  blocks,
  friendRequests,
  friendships,
  guilds,
  twoFactor,
  user,
  userSettings,
  verification,
} from '@gochat/drizzle';
import { conflict, unauthenticated } from '@gochat/errors';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import { appendToOutbox } from '@gochat/outbox';
import { pruneAvatars, setProfileImage } from '@gochat/uploads';
import { and, eq, isNull, like, or } from 'drizzle-orm';

import { endSessionsOf } from './sessions.ts';

/** What a deleted account is called wherever its messages show (Discord's wording). */
export const DELETED_USER_NAME = 'Deleted User';

/**
 * A unique address that can never receive mail: `.invalid` is reserved (RFC 2606), and the id keeps
 * the unique constraint on user.email satisfied for every deleted account.
 */
export const deletedEmail = (userId: string) => `deleted-${userId}@deleted-users.invalid`;

/** What deleteAccount ended, for the resolver and the tests. */
export interface DeletionResult {
  sessionsEnded: number;
}

/**
 * Account deletion (decision 0050): the user row stays so messages keep an author, scrubbed of
 * personal data; everything else of the account goes, in one transaction with its events.
 */
export function deletionStore(db: Database) {
  return {
    /** The bcrypt/scrypt hash of the user's password (better-auth's credential account), if any. */
    async passwordHashOf(userId: string): Promise<string | undefined> {
      const [row] = await db
        .select({ password: account.password })
        .from(account)
        .innerJoin(user, eq(user.id, account.userId))
        .where(and(eq(account.userId, userId), eq(account.providerId, 'credential'), isNull(user.deletedAt)))
        .limit(1);
      return row?.password ?? undefined;
    },

    /**
     * Scrubs the account and erases what belongs to it. UNAUTHENTICATED when it is gone or already
     * deleted; CONFLICT (ownedGuildIds) while it owns a guild, as Discord refuses.
     *
     * The user row is locked FOR UPDATE first: a guild created at the same time inserts a row whose
     * foreign key takes KEY SHARE on it, so it waits for this transaction and the ownership check
     * below cannot miss a guild committed before it (decision 0050 has the remaining window).
     */
    deleteAccount: (userId: string): Promise<DeletionResult> =>
      db.transaction(async (tx) => {
        const [me] = await tx
          .select({ id: user.id })
          .from(user)
          .where(and(eq(user.id, userId), isNull(user.deletedAt)))
          .for('update');
        if (!me) throw unauthenticated('This account no longer exists.');

        // The one read of a table the guilds subgraph owns: which guilds still name the user owner.
        const owned = await tx.select({ id: guilds.id }).from(guilds).where(eq(guilds.ownerId, userId));
        if (owned.length > 0)
          throw conflict('Transfer or delete the guilds you own before deleting your account.', {
            ownedGuildIds: owned.map((g) => g.id),
          });

        await tx
          .update(user)
          .set({
            name: DELETED_USER_NAME,
            handle: null,
            email: deletedEmail(userId),
            emailVerified: false,
            image: null,
            twoFactorEnabled: false,
            deletedAt: new Date(),
            updatedAt: new Date(),
          })
          .where(eq(user.id, userId));

        // Each deleted session records SessionRevoked in this transaction (migration 0003): the
        // relay publishes it after commit and the router closes that session's sockets.
        const sessionsEnded = await endSessionsOf(tx, userId);
        // No credential means no password sign-in ever again, whatever the e-mail.
        await tx.delete(account).where(eq(account.userId, userId));
        await tx.delete(twoFactor).where(eq(twoFactor.userId, userId));
        await tx.delete(userSettings).where(eq(userSettings.userId, userId));
        // The avatar and its history (@gochat/uploads, shared for writes in other subgraphs'
        // transactions): released now, their objects deleted by the media janitor after UserUpdated.
        await setProfileImage(tx, userId, 'avatar', null);
        await pruneAvatars(tx, userId, 0);
        await tx
          .delete(verification)
          .where(and(like(verification.identifier, 'reset-password:%'), eq(verification.value, userId)));

        const events = [
          ...(await eraseRelationships(tx, userId)),
          newEvent('UserUpdated', subjects.user(userId), { userId }),
          newEvent('UserDeleted', subjects.user(userId), { userId }),
        ];
        await appendToOutbox(tx, events);
        return { sessionsEnded };
      }),
  };
}

/**
 * Friends, friend requests and blocks both ways, each announced to the other user as if the deleted
 * user had removed, cancelled or the other had lifted it, so their lists update live.
 */
async function eraseRelationships(tx: Transaction, userId: string): Promise<NewEvent[]> {
  const events: NewEvent[] = [];
  const friends = await tx
    .delete(friendships)
    .where(or(eq(friendships.userId, userId), eq(friendships.friendId, userId)))
    .returning({ userId: friendships.userId, friendId: friendships.friendId });
  for (const f of friends.filter((f) => f.userId === userId))
    events.push(newEvent('FriendRemoved', subjects.user(f.friendId), { userIds: [userId, f.friendId] }));

  const requests = await tx
    .delete(friendRequests)
    .where(or(eq(friendRequests.senderId, userId), eq(friendRequests.recipientId, userId)))
    .returning({ senderId: friendRequests.senderId, recipientId: friendRequests.recipientId });
  for (const r of requests) {
    const other = r.senderId === userId ? r.recipientId : r.senderId;
    events.push(newEvent('FriendRequestDeleted', subjects.user(other), r));
  }

  const blocked = await tx
    .delete(blocks)
    .where(or(eq(blocks.blockerId, userId), eq(blocks.blockedId, userId)))
    .returning({ blockerId: blocks.blockerId, blockedId: blocks.blockedId });
  // Only a block someone else held changes a list anyone still sees.
  for (const b of blocked.filter((b) => b.blockerId !== userId))
    events.push(newEvent('UserUnblocked', subjects.user(b.blockerId), b));
  return events;
}
