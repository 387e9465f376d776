import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

import { user } from './auth.ts';
import { createdAt, snowflake } from './columns.ts';
import { channels, guilds } from './guilds.ts';

/*
 * Owned by the messages subgraph. A "container" is where messages live: a channel (text, DM, group
 * DM) or a thread. `parent_channel_id` is the channel itself, or a thread's parent channel: its FK
 * cascades, so deleting a channel or guild removes everything below it without the guilds subgraph
 * knowing these tables. Nothing references `messages` by FK, because with the ScyllaDB timeline the
 * messages are not in PostgreSQL (docs/decisions/0015-message-store-port.md).
 */

const parentChannel = () =>
  snowflake('parent_channel_id')
    .notNull()
    .references(() => channels.id, { onDelete: 'cascade' });

export const MESSAGE_KINDS = ['default', 'guild_member_join'] as const;

/** The PostgreSQL message timeline (the default store). */
export const messages = pgTable(
  'messages',
  {
    id: snowflake('id').primaryKey(),
    /** The container: a channel or a thread. */
    channelId: snowflake('channel_id').notNull(),
    parentChannelId: parentChannel(),
    guildId: snowflake('guild_id').references(() => guilds.id, { onDelete: 'cascade' }),
    authorId: text('author_id')
      .notNull()
      .references(() => user.id),
    content: text('content').notNull(),
    kind: text('kind', { enum: MESSAGE_KINDS }).notNull().default('default'),
    replyToId: snowflake('reply_to_id'),
    /** {users: string[], roles: string[], everyone: boolean, here: boolean} */
    mentions: jsonb('mentions').notNull().default({ users: [], roles: [], everyone: false, here: false }),
    /** Attachment references (the media issue fills them). */
    attachments: jsonb('attachments').notNull().default([]),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    /** Rich embeds sent with the message (@gochat/embeds' Embed[]). */
    embeds: jsonb('embeds').notNull().default([]),
    /** The embedder's link previews: {version, embeds} for one version of the content. */
    linkEmbeds: jsonb('link_embeds'),
    /** Link previews hidden by the author or a moderator. */
    embedsSuppressed: boolean('embeds_suppressed').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index('messages_channel_id_id_idx').on(t.channelId, t.id.desc()),
    index('messages_parent_channel_id_idx').on(t.parentChannelId),
    index('messages_author_id_idx').on(t.authorId, t.id),
  ],
);

/** Client nonces of recent sends, for idempotent retries (10 minutes). */
export const messageNonces = pgTable(
  'message_nonces',
  {
    authorId: text('author_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    nonce: text('nonce').notNull(),
    channelId: snowflake('channel_id').notNull(),
    messageId: snowflake('message_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.authorId, t.nonce] }),
    index('message_nonces_created_at_idx').on(t.createdAt),
  ],
);

/** Earlier versions of edited messages: the content that was replaced, and when it had been written. */
export const messageEdits = pgTable(
  'message_edits',
  {
    id: snowflake('id').primaryKey(),
    messageId: snowflake('message_id').notNull(),
    channelId: snowflake('channel_id').notNull(),
    parentChannelId: parentChannel(),
    content: text('content').notNull(),
    /** When this version was written (the send, or the previous edit). */
    writtenAt: timestamp('written_at', { withTimezone: true }).notNull(),
    /** When it was replaced. */
    replacedAt: timestamp('replaced_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('message_edits_message_id_idx').on(t.messageId, t.id)],
);

/** One row per user per emoji per message. emoji_key is 'u:<unicode>' or 'c:<custom emoji id>'. */
export const reactions = pgTable(
  'reactions',
  {
    messageId: snowflake('message_id').notNull(),
    emojiKey: text('emoji_key').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    channelId: snowflake('channel_id').notNull(),
    parentChannelId: parentChannel(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.emojiKey, t.userId] })],
);

export const pins = pgTable(
  'pins',
  {
    channelId: snowflake('channel_id').notNull(),
    messageId: snowflake('message_id').notNull(),
    parentChannelId: parentChannel(),
    pinnedBy: text('pinned_by').references(() => user.id, { onDelete: 'set null' }),
    pinnedAt: createdAt('pinned_at'),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.messageId] })],
);

/**
 * Who a message mentions, for unread mention counts: a user, a role, or everyone (@everyone / @here).
 * Only mentions that take effect are stored (a user who can see the channel; MENTION_EVERYONE held).
 */
export const mentions = pgTable(
  'mentions',
  {
    channelId: snowflake('channel_id').notNull(),
    messageId: snowflake('message_id').notNull(),
    /** 'user' | 'role' | 'everyone' */
    targetType: text('target_type', { enum: ['user', 'role', 'everyone'] }).notNull(),
    /** A user id, a role id, or '' for everyone. */
    targetId: text('target_id').notNull(),
    parentChannelId: parentChannel(),
    /**
     * The message's author, so the mentions inbox leaves out the caller's own messages. Null only on
     * rows written before the column existed whose message was not in PostgreSQL's timeline.
     */
    authorId: text('author_id'),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.targetType, t.targetId, t.messageId] }),
    index('mentions_message_id_idx').on(t.messageId),
    // The mentions inbox: a user's (or role's) mentions newest first, across channels.
    index('mentions_target_idx').on(t.targetType, t.targetId, t.messageId.desc()),
    // The mentions inbox: @everyone/@here per readable channel (threads included), newest first.
    index('mentions_everyone_idx')
      .on(t.parentChannelId, t.messageId.desc())
      .where(sql`${t.targetType} = 'everyone'`),
  ],
);

/** Per container: the newest message, for unread flags. */
export const channelState = pgTable('channel_state', {
  channelId: snowflake('channel_id').primaryKey(),
  parentChannelId: parentChannel(),
  guildId: snowflake('guild_id').references(() => guilds.id, { onDelete: 'cascade' }),
  lastMessageId: snowflake('last_message_id'),
  pinCount: integer('pin_count').notNull().default(0),
});

/** A user's read position per container. */
export const readStates = pgTable(
  'read_states',
  {
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    channelId: snowflake('channel_id').notNull(),
    parentChannelId: parentChannel(),
    lastReadId: snowflake('last_read_id').notNull(),
    updatedAt: createdAt('updated_at'),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.channelId] }),
    index('read_states_channel_id_idx').on(t.channelId, t.lastReadId),
  ],
);

export const AUTO_ARCHIVE_MINUTES = [60, 1440, 4320, 10080] as const;

/** Threads: containers of messages under a guild text channel, inheriting its permissions. */
export const threads = pgTable(
  'threads',
  {
    id: snowflake('id').primaryKey(),
    parentId: snowflake('parent_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id').references(() => user.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    /** The message it was started from; null for standalone threads. */
    starterMessageId: snowflake('starter_message_id'),
    autoArchiveMinutes: integer('auto_archive_minutes').notNull().default(1440),
    /** Archived explicitly; a thread is also archived once idle past its auto-archive duration. */
    archived: boolean('archived').notNull().default(false),
    locked: boolean('locked').notNull().default(false),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [
    index('threads_parent_id_idx').on(t.parentId, t.id.desc()),
    uniqueIndex('threads_starter_message_id_idx')
      .on(t.starterMessageId)
      .where(sql`starter_message_id is not null`),
  ],
);

export const threadMembers = pgTable(
  'thread_members',
  {
    threadId: snowflake('thread_id')
      .notNull()
      .references(() => threads.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    joinedAt: createdAt('joined_at'),
  },
  (t) => [primaryKey({ columns: [t.threadId, t.userId] }), index('thread_members_user_id_idx').on(t.userId)],
);

/**
 * ScyllaDB mode only: timeline mutations committed with their outbox events and not yet confirmed
 * applied to ScyllaDB. The outbox relay applies them before publishing the events (decision 0015).
 */
export const timelinePending = pgTable('timeline_pending', {
  eventId: text('event_id').primaryKey(),
  mutation: jsonb('mutation').notNull(),
  createdAt: createdAt(),
});
