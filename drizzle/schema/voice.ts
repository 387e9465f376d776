import { boolean, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

import { user } from './auth.ts';
import { createdAt, snowflake } from './columns.ts';
import { channels, guilds } from './guilds.ts';

/*
 * Owned by the voice subgraph (subgraphs/voice/store holds every statement on these tables).
 */

/**
 * Who is in which voice channel now: one row per user (a user is in at most one call, as in
 * Discord; joining another leaves the first). `nodeId` is the SFU node the room is placed on: when
 * that node's lease expires, its rows are deleted and announced. `sessionId` is the id of the voice
 * token the last join issued, so a stale report from the SFU about an older session never removes
 * a newer one.
 */
export const voiceStates = pgTable(
  'voice_states',
  {
    userId: text('user_id')
      .primaryKey()
      .references(() => user.id, { onDelete: 'cascade' }),
    /** Null for a DM or group DM call. */
    guildId: snowflake('guild_id').references(() => guilds.id, { onDelete: 'cascade' }),
    channelId: snowflake('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    sessionId: text('session_id').notNull(),
    selfMute: boolean('self_mute').notNull().default(false),
    selfDeaf: boolean('self_deaf').notNull().default(false),
    selfVideo: boolean('self_video').notNull().default(false),
    selfStream: boolean('self_stream').notNull().default(false),
    /** Set when the SFU admitted the peer; a join never confirmed is removed after a grace period. */
    connectedAt: timestamp('connected_at', { withTimezone: true }),
    joinedAt: createdAt('joined_at'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('voice_states_channel_idx').on(t.channelId), index('voice_states_node_idx').on(t.nodeId)],
);

/**
 * A guild member's server mute and deafen (MUTE_MEMBERS, DEAFEN_MEMBERS): kept while they are out
 * of voice too, as in Discord, so leaving and joining again does not lift them.
 */
export const voiceModeration = pgTable(
  'voice_moderation',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    mute: boolean('mute').notNull().default(false),
    deaf: boolean('deaf').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] })],
);
