import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

import { user } from './auth.ts';
import { createdAt } from './columns.ts';

/** Owned by the accounts subgraph: friends, friend requests and blocks between users. */
const userRef = (name: string) =>
  text(name)
    .notNull()
    .references(() => user.id, { onDelete: 'cascade' });

export const friendRequests = pgTable(
  'friend_requests',
  { senderId: userRef('sender_id'), recipientId: userRef('recipient_id'), createdAt: createdAt() },
  (t) => [
    primaryKey({ columns: [t.senderId, t.recipientId] }),
    index('friend_requests_recipient_idx').on(t.recipientId),
  ],
);

/** Symmetric: one row each way, so "my friends" is one index range. */
export const friendships = pgTable(
  'friendships',
  { userId: userRef('user_id'), friendId: userRef('friend_id'), createdAt: createdAt() },
  (t) => [primaryKey({ columns: [t.userId, t.friendId] })],
);

export const blocks = pgTable(
  'blocks',
  { blockerId: userRef('blocker_id'), blockedId: userRef('blocked_id'), createdAt: createdAt() },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] }), index('blocks_blocked_idx').on(t.blockedId)],
);
