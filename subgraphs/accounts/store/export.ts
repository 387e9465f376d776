import type { Database } from '@gochat/db';
import { userSettings } from '@gochat/drizzle';
import { eq } from 'drizzle-orm';

/** The caller's saved settings document, for the data export; undefined when never saved. */
export function exportStore(db: Database) {
  return {
    async exportedSettingsOf(userId: string): Promise<{ version: number; document: unknown } | undefined> {
      const [row] = await db
        .select({ version: userSettings.version, document: userSettings.document })
        .from(userSettings)
        .where(eq(userSettings.userId, userId))
        .limit(1);
      return row;
    },
  };
}
