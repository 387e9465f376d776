import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

import { createdAt, snowflake } from './columns.ts';

/*
 * Owned by the media subgraph; read and written only through @gochat/uploads (the messages and guilds
 * subgraphs claim uploads through it). No foreign keys on purpose: a row must outlive the user,
 * guild, channel or message it belonged to until its objects are deleted from the blob store, after
 * the commit that released it (docs/decisions/0043-media-subgraph-and-uploads.md).
 */

/** One file a user uploads: its declared and verified facts, its processing, and what it is used by. */
export const uploads = pgTable(
  'uploads',
  {
    id: snowflake('id').primaryKey(),
    ownerId: text('owner_id').notNull(),
    /** attachment | avatar | guild_icon | guild_banner | emoji */
    kind: text('kind').notNull(),
    /** pending (waiting for its bytes) | processing | ready | failed | released (objects to delete) */
    state: text('state').notNull().default('pending'),
    /** Attachments: the container (channel or thread) it may be sent in, and that container's channel. */
    channelId: snowflake('channel_id'),
    parentChannelId: snowflake('parent_channel_id'),
    /** Attachments in guild channels, icons, banners and emoji. */
    guildId: snowflake('guild_id'),
    filename: text('filename').notNull(),
    declaredType: text('declared_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** From the bytes, set on completion. */
    contentType: text('content_type'),
    /** inline | attachment: how downloads present it. */
    disposition: text('disposition'),
    width: integer('width'),
    height: integer('height'),
    durationSeconds: real('duration_seconds'),
    animated: boolean('animated').notNull().default(false),
    blurhash: text('blurhash'),
    /** [{ size, width, height }]: the WebP previews stored beside the original. */
    previews: jsonb('previews')
      .$type<{ size: number; width: number; height: number }[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** Whether a metadata-stripped copy is served instead of the original bytes. */
    cleaned: boolean('cleaned').notNull().default(false),
    error: text('error'),
    /** The message, emoji, user (avatar) or guild (icon, banner) using it; null until used. */
    targetId: snowflake('target_id'),
    /** Pending uploads expire; processing ones are retried after it (a crashed processor). */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [
    index('uploads_state_expires_idx').on(t.state, t.expiresAt),
    index('uploads_target_idx').on(t.targetId),
    index('uploads_owner_kind_idx').on(t.ownerId, t.kind, t.usedAt.desc()),
    index('uploads_channel_idx').on(t.parentChannelId),
    index('uploads_guild_idx').on(t.guildId),
  ],
);

/** The image in use for a subject's slot: a user's avatar, a guild's icon or banner. */
export const profileImages = pgTable(
  'profile_images',
  {
    /** A user id (avatar) or a guild id (icon, banner). */
    subjectId: text('subject_id').notNull(),
    /** avatar | guild_icon | guild_banner */
    slot: text('slot').notNull(),
    uploadId: snowflake('upload_id').notNull(),
    updatedAt: createdAt('updated_at'),
  },
  (t) => [primaryKey({ columns: [t.subjectId, t.slot] })],
);
