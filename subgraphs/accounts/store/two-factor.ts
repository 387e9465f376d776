import type { Database } from '@gochat/db';
import { session, user } from '@gochat/drizzle';
import { and, eq, gt, sql } from 'drizzle-orm';

/**
 * What the two-factor resolvers read beside better-auth: its endpoints act on a session, named by its
 * token, while a GraphQL caller names it by the JWT's sid.
 */
export function twoFactorStore(db: Database) {
  return {
    /** The token of the user's session that has not expired; undefined when it ended. */
    async sessionToken(userId: string, sessionId: string): Promise<string | undefined> {
      const [row] = await db
        .select({ token: session.token })
        .from(session)
        .where(and(eq(session.id, sessionId), eq(session.userId, userId), gt(session.expiresAt, sql`now()`)))
        .limit(1);
      return row?.token;
    },

    async twoFactorEnabled(userId: string): Promise<boolean> {
      const [row] = await db
        .select({ on: user.twoFactorEnabled })
        .from(user)
        .where(eq(user.id, userId))
        .limit(1);
      return row?.on ?? false;
    },
  };
}
