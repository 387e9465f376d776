import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

import { user } from './auth.ts';

/**
 * Owned by the accounts subgraph: each user's synced settings document (`@gochat/user-settings`
 * validates it). `version` grows by one per change, for updateSettings' optimistic concurrency.
 */
export const userSettings = pgTable('user_settings', {
  userId: text('user_id')
    .primaryKey()
    .references(() => user.id, { onDelete: 'cascade' }),
  version: integer('version').notNull().default(0),
  document: jsonb('document').notNull().default({}),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
