import { index, pgTable, text } from 'drizzle-orm/pg-core';

import { user } from './auth.ts';
import { createdAt, snowflake } from './columns.ts';
import { channels } from './guilds.ts';

/** Owned by the messages subgraph. The foundation's thin slice; the messages issue replaces it. */
export const messages = pgTable(
  'messages',
  {
    id: snowflake('id').primaryKey(),
    channelId: snowflake('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    authorId: text('author_id')
      .notNull()
      .references(() => user.id),
    content: text('content').notNull(),
    /** 'default', or a system message such as 'guild_member_join'. */
    kind: text('kind', { enum: ['default', 'guild_member_join'] })
      .notNull()
      .default('default'),
    createdAt: createdAt(),
  },
  (t) => [index('messages_channel_id_id_idx').on(t.channelId, t.id.desc())],
);
