import type { Database, Transaction } from '@gochat/db';
import { session } from '@gochat/drizzle';
import { and, eq, ne } from 'drizzle-orm';

/**
 * Ends every session of the user but `keepSessionId` (all of them without one); how many ended.
 * One statement, alone or inside the caller's transaction: the database records one SessionRevoked
 * per deleted row (migration 0003, decision 0027), so the router closes each session's sockets once
 * the relay publishes. revokeOtherSessions, a ban and account deletion all end sessions this way.
 */
export async function endSessionsOf(
  db: Database | Transaction,
  userId: string,
  keepSessionId?: string,
): Promise<number> {
  const ended = await db
    .delete(session)
    .where(and(eq(session.userId, userId), keepSessionId ? ne(session.id, keepSessionId) : undefined))
    .returning({ id: session.id });
  return ended.length;
}
