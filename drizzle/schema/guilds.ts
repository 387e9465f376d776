import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

import { user } from './auth.ts';
import { createdAt, snowflake } from './columns.ts';

/** Owned by the guilds subgraph. The foundation's thin slice; the guilds issue extends it. */
export const guilds = pgTable('guilds', {
  id: snowflake('id').primaryKey(),
  name: text('name').notNull(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => user.id),
  createdAt: createdAt(),
});

export const guildMembers = pgTable(
  'guild_members',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    joinedAt: createdAt('joined_at'),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] }), index('guild_members_user_id_idx').on(t.userId)],
);

export const channels = pgTable(
  'channels',
  {
    id: snowflake('id').primaryKey(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['text'] })
      .notNull()
      .default('text'),
    createdAt: createdAt(),
  },
  (t) => [index('channels_guild_id_idx').on(t.guildId)],
);
