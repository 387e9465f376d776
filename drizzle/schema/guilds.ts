import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

import { user } from './auth.ts';
import { createdAt, snowflake } from './columns.ts';

/** Permission bitfields are Discord's 64-bit masks; JavaScript sees them as bigint. */
const bitfield = (name: string) =>
  bigint(name, { mode: 'bigint' })
    .notNull()
    .default(sql`0`);
const userRef = (name: string) =>
  text(name)
    .notNull()
    .references(() => user.id, { onDelete: 'cascade' });

/** Owned by the guilds subgraph, like every table in this file. */
export const guilds = pgTable('guilds', {
  id: snowflake('id').primaryKey(),
  name: text('name').notNull(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => user.id),
  /** A media asset reference; the image itself arrives with the media issue. */
  icon: text('icon'),
  description: text('description'),
  public: boolean('public').notNull().default(false),
  systemChannelId: snowflake('system_channel_id').references((): AnyPgColumn => channels.id, {
    onDelete: 'set null',
  }),
  /** Where its voice channels without a region of their own are placed; null for the default. */
  voiceRegion: text('voice_region'),
  createdAt: createdAt(),
});

export const guildMembers = pgTable(
  'guild_members',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    userId: userRef('user_id'),
    nickname: text('nickname'),
    /** Communication disabled until this instant (a timeout); null when not timed out. */
    timeoutUntil: timestamp('timeout_until', { withTimezone: true }),
    /**
     * The member's avatar in this guild (Discord's server profile avatar): an `avatar` upload of theirs
     * (media's uploads table, no foreign key on purpose: decision 0043); null to show their own.
     */
    avatarUploadId: snowflake('avatar_upload_id'),
    joinedAt: createdAt('joined_at'),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] }), index('guild_members_user_id_idx').on(t.userId)],
);

export const CHANNEL_KINDS = ['text', 'voice', 'category', 'dm', 'group_dm'] as const;

/** Guild channels (guild_id set) and DMs / group DMs (guild_id null) share one id space and table. */
export const channels = pgTable(
  'channels',
  {
    id: snowflake('id').primaryKey(),
    guildId: snowflake('guild_id').references(() => guilds.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: CHANNEL_KINDS }).notNull().default('text'),
    name: text('name'),
    topic: text('topic'),
    position: integer('position').notNull().default(0),
    parentId: snowflake('parent_id').references((): AnyPgColumn => channels.id, { onDelete: 'set null' }),
    slowmodeSeconds: integer('slowmode_seconds').notNull().default(0),
    voiceRegion: text('voice_region'),
    bitrate: integer('bitrate'),
    /** Voice channels: members at once, 0 for no limit (MOVE_MEMBERS holders join a full channel). */
    userLimit: integer('user_limit').notNull().default(0),
    /** Group DM owner; null for guild channels and 1:1 DMs. */
    ownerId: text('owner_id').references(() => user.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('channels_guild_id_idx').on(t.guildId, t.position)],
);

/** Participants of DMs and group DMs. */
export const channelRecipients = pgTable(
  'channel_recipients',
  {
    channelId: snowflake('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    userId: userRef('user_id'),
    addedAt: createdAt('added_at'),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.userId] }),
    index('channel_recipients_user_idx').on(t.userId),
  ],
);

/** At most one 1:1 DM per pair of users: (low, high) by string order. */
export const directPairs = pgTable(
  'direct_pairs',
  {
    userLow: userRef('user_low'),
    userHigh: userRef('user_high'),
    channelId: snowflake('channel_id')
      .notNull()
      .unique()
      .references(() => channels.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userLow, t.userHigh] })],
);

/** Roles; @everyone is the role whose id equals its guild's id, at position 0. */
export const roles = pgTable(
  'roles',
  {
    id: snowflake('id').primaryKey(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    color: integer('color').notNull().default(0),
    hoist: boolean('hoist').notNull().default(false),
    mentionable: boolean('mentionable').notNull().default(false),
    position: integer('position').notNull().default(0),
    permissions: bitfield('permissions'),
    createdAt: createdAt(),
  },
  (t) => [index('roles_guild_id_idx').on(t.guildId, t.position)],
);

/** A member's roles. Both foreign keys cascade, so a role deleted while being assigned leaves nothing. */
export const memberRoles = pgTable(
  'member_roles',
  {
    guildId: snowflake('guild_id').notNull(),
    userId: text('user_id').notNull(),
    roleId: snowflake('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.userId, t.roleId] }),
    foreignKey({
      columns: [t.guildId, t.userId],
      foreignColumns: [guildMembers.guildId, guildMembers.userId],
    }).onDelete('cascade'),
    index('member_roles_role_id_idx').on(t.roleId),
  ],
);

/** Channel permission overwrites for a role (@everyone included) or a member. */
export const channelOverwrites = pgTable(
  'channel_overwrites',
  {
    channelId: snowflake('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    targetId: text('target_id').notNull(),
    targetType: text('target_type', { enum: ['role', 'member'] }).notNull(),
    allow: bitfield('allow'),
    deny: bitfield('deny'),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.targetId] })],
);

export const invites = pgTable(
  'invites',
  {
    code: text('code').primaryKey(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    channelId: snowflake('channel_id').references(() => channels.id, { onDelete: 'cascade' }),
    inviterId: userRef('inviter_id'),
    /** 0 means unlimited. */
    maxUses: integer('max_uses').notNull().default(0),
    uses: integer('uses').notNull().default(0),
    /** Null means never. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('invites_guild_id_idx').on(t.guildId)],
);

export const bans = pgTable(
  'bans',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    userId: userRef('user_id'),
    reason: text('reason'),
    moderatorId: text('moderator_id').references(() => user.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] })],
);

/** Who did what to which target, with before/after; kept 45 days. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: snowflake('id').primaryKey(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    changes: jsonb('changes').notNull().default([]),
    reason: text('reason'),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_log_guild_id_idx').on(t.guildId, t.id.desc()),
    index('audit_log_created_at_idx').on(t.createdAt),
  ],
);

export const emojis = pgTable(
  'emojis',
  {
    id: snowflake('id').primaryKey(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    animated: boolean('animated').notNull().default(false),
    /** Reference to the uploaded image; the bytes arrive with the media issue. */
    assetRef: text('asset_ref').notNull(),
    creatorId: text('creator_id').references(() => user.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('emojis_guild_name_idx').on(t.guildId, sql`lower(${t.name})`)],
);
