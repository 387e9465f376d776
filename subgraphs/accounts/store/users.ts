import { isUniqueViolation, type Database } from '@gochat/db';
import { session, user, verification } from '@gochat/drizzle';
import { conflict } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import { appendToOutbox } from '@gochat/outbox';
import { and, desc, eq, gt, inArray, or, sql } from 'drizzle-orm';

import type { BanState, SessionRow, UserRow } from './rows.ts';
import { endSessionsOf } from './sessions.ts';

const columns = {
  id: user.id,
  name: user.name,
  email: user.email,
  emailVerified: user.emailVerified,
  handle: user.handle,
  createdAt: user.createdAt,
  deletedAt: user.deletedAt,
};

/** A ban counts while it has no end or its end is still ahead. */
const activeBan = and(
  eq(user.banned, true),
  or(sql`${user.banExpires} IS NULL`, gt(user.banExpires, sql`now()`)),
);

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

    /** The user's sessions that have not expired, the most recently used first. */
    async sessionsOf(userId: string): Promise<SessionRow[]> {
      return db
        .select({
          id: session.id,
          userAgent: session.userAgent,
          ipAddress: session.ipAddress,
          createdAt: session.createdAt,
          lastSeenAt: session.updatedAt,
        })
        .from(session)
        .where(and(eq(session.userId, userId), gt(session.expiresAt, new Date())))
        .orderBy(desc(session.updatedAt), desc(session.id));
    },

    /**
     * Ends every session of the user but `keepSessionId` (all of them without one); how many ended
     * (sessions.ts).
     */
    deleteOtherSessions: (userId: string, keepSessionId?: string): Promise<number> =>
      endSessionsOf(db, userId, keepSessionId),

    /** Whether the user is banned now (a ban past its banExpires no longer counts). */
    async isBanned(userId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: user.id })
        .from(user)
        .where(and(eq(user.id, userId), activeBan))
        .limit(1);
      return row !== undefined;
    },

    /** An account by id or e-mail, with its ban, for the operator CLI. */
    async userForOperator(idOrEmail: string): Promise<(UserRow & BanState) | undefined> {
      const key = idOrEmail.trim();
      const [row] = await db
        .select({ ...columns, banned: user.banned, banReason: user.banReason, banExpires: user.banExpires })
        .from(user)
        .where(or(eq(user.id, key), eq(user.email, key.toLowerCase())))
        .limit(1);
      return row;
    },

    /**
     * Bans the user and ends every session in one transaction: each ended session records
     * SessionRevoked (migration 0003), so the router closes its sockets once the relay publishes.
     * How many sessions ended.
     */
    async banUser(userId: string, ban: { reason?: string | undefined; expires?: Date | undefined }) {
      return db.transaction(async (tx) => {
        await tx
          .update(user)
          .set({
            banned: true,
            banReason: ban.reason ?? null,
            banExpires: ban.expires ?? null,
            updatedAt: new Date(),
          })
          .where(eq(user.id, userId));
        return endSessionsOf(tx, userId);
      });
    },

    async unbanUser(userId: string): Promise<void> {
      await db
        .update(user)
        .set({ banned: false, banReason: null, banExpires: null, updatedAt: new Date() })
        .where(eq(user.id, userId));
    },

    async markEmailVerified(userId: string): Promise<void> {
      await db.update(user).set({ emailVerified: true, updatedAt: new Date() }).where(eq(user.id, userId));
    },

    /**
     * Stores a password-reset token for the user the way better-auth's requestPasswordReset does
     * (verification row `reset-password:<token>` whose value is the user id), so resetPassword takes it.
     */
    async createPasswordResetToken(userId: string, token: string, ttlSeconds: number): Promise<void> {
      await db.insert(verification).values({
        id: crypto.randomUUID(),
        identifier: `reset-password:${token}`,
        value: userId,
        expiresAt: new Date(Date.now() + ttlSeconds * 1000),
      });
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
