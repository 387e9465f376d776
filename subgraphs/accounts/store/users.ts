import { isUniqueViolation, type Database } from '@gochat/db';
import { session, user } from '@gochat/drizzle';
import { conflict } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import { appendToOutbox } from '@gochat/outbox';
import { and, eq, gt, inArray } from 'drizzle-orm';

import type { UserRow } from './rows.ts';

const columns = {
  id: user.id,
  name: user.name,
  email: user.email,
  emailVerified: user.emailVerified,
  handle: user.handle,
  createdAt: user.createdAt,
};

/** Users and their sessions. better-auth runs its own queries on the same tables. */
export function usersStore(db: Database) {
  return {
    async usersByIds(ids: readonly string[]): Promise<UserRow[]> {
      if (ids.length === 0) return [];
      return db
        .select(columns)
        .from(user)
        .where(inArray(user.id, [...ids]));
    },

    async userByEmail(email: string): Promise<UserRow | undefined> {
      const [row] = await db.select(columns).from(user).where(eq(user.email, email)).limit(1);
      return row;
    },

    async userByHandle(handle: string): Promise<UserRow | undefined> {
      const [row] = await db.select(columns).from(user).where(eq(user.handle, handle)).limit(1);
      return row;
    },

    /** Updates the profile and records UserUpdated in the same transaction. */
    async updateProfile(
      userId: string,
      changes: { name?: string | undefined; handle?: string | undefined },
    ): Promise<UserRow | undefined> {
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx
            .update(user)
            .set({ ...changes, updatedAt: new Date() })
            .where(eq(user.id, userId))
            .returning(columns);
          if (row) await appendToOutbox(tx, [newEvent('UserUpdated', subjects.user(userId), { userId })]);
          return row;
        });
      } catch (error) {
        if (isUniqueViolation(error, 'user_handle_unique'))
          throw conflict('This handle is taken.', { field: 'handle' });
        throw error;
      }
    },

    /**
     * Ends one session of the user; false when it was already gone. The database records
     * SessionRevoked with the deletion, as for every session that ends (migration 0003, decision 0027).
     */
    async deleteSession(userId: string, sessionId: string): Promise<boolean> {
      const deleted = await db
        .delete(session)
        .where(and(eq(session.id, sessionId), eq(session.userId, userId)))
        .returning({ id: session.id });
      return deleted.length > 0;
    },

    /** Whether the user's session still exists and has not expired. */
    async sessionActive(userId: string, sessionId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: session.id })
        .from(session)
        .where(and(eq(session.id, sessionId), eq(session.userId, userId), gt(session.expiresAt, new Date())))
        .limit(1);
      return row !== undefined;
    },
  };
}
