import { queryRows, type Database, type Transaction } from '@gochat/db';
import { userSettings } from '@gochat/drizzle';
import { eq, sql } from 'drizzle-orm';

import { defaultSettings, readDocument, type SettingsDocument } from './document.ts';
import { stillHidden } from './prefs.ts';

type Db = Database | Transaction;

/** One user's settings as stored: version 0 and the defaults until their first change. */
export interface StoredSettings {
  userId: string;
  version: number;
  document: SettingsDocument;
  updatedAt: Date | null;
}

/**
 * The user's settings. user_settings is owned by the accounts subgraph, which alone writes it; the
 * messages and guilds subgraphs read it through this package.
 */
export async function readSettings(db: Db, userId: string): Promise<StoredSettings> {
  const [row] = await db.select().from(userSettings).where(eq(userSettings.userId, userId));
  if (!row) return { userId, version: 0, document: defaultSettings(), updatedAt: null };
  return { userId, version: row.version, document: readDocument(row.document), updatedAt: row.updatedAt };
}

/** The guilds and channel overrides only: what unread counts need (a smaller read of the document). */
export async function readNotificationSettings(
  db: Db,
  userId: string,
): Promise<Pick<SettingsDocument, 'guilds' | 'channels'>> {
  const rows = await queryRows<{ guilds: unknown; channels: unknown }>(
    db,
    sql`/* userSettings.notifications */
      select document->'guilds' as guilds, document->'channels' as channels
      from ${userSettings} where user_id = ${userId}`,
  );
  const row = rows[0];
  const document = readDocument(
    row ? { guilds: row.guilds ?? undefined, channels: row.channels ?? undefined } : {},
  );
  return { guilds: document.guilds, channels: document.channels };
}

/**
 * The DMs the user hid that are still hidden: no message arrived after the one they were hidden at.
 * One read of the document and one of the channels' newest messages (channel_state).
 */
export async function hiddenDirectChannelIds(db: Db, userId: string): Promise<Set<string>> {
  const rows = await queryRows<{
    channel_id: string;
    hidden_at: string | null;
    last_message_id: string | null;
  }>(
    db,
    sql`/* userSettings.hiddenDirectChannels */
      select h.key as channel_id, h.value->>'lastMessageId' as hidden_at,
             cs.last_message_id::text as last_message_id
      from ${userSettings} us
      cross join lateral jsonb_each(coalesce(us.document->'hiddenDirectChannels', '{}'::jsonb)) h
      left join channel_state cs on cs.channel_id = h.key::bigint
      where us.user_id = ${userId}`,
  );
  return new Set(rows.filter((r) => stillHidden(r.hidden_at, r.last_message_id)).map((r) => r.channel_id));
}

/** Of `guildIds`, those the user is a member of (guild_members, owned by guilds: read only). */
export async function memberGuildIds(
  db: Db,
  userId: string,
  guildIds: readonly string[],
): Promise<Set<string>> {
  if (guildIds.length === 0) return new Set();
  const rows = await queryRows<{ guild_id: string }>(
    db,
    sql`/* userSettings.memberGuilds */
      select guild_id::text as guild_id from guild_members
      where user_id = ${userId} and guild_id = any(${`{${guildIds.join(',')}}`}::bigint[])`,
  );
  return new Set(rows.map((r) => r.guild_id));
}

/**
 * Of `channelIds`, the channels, threads, DMs and group DMs the user can reach: those of a guild they
 * are a member of (by guild: null for DMs), and DMs they take part in. Channel permissions are not
 * checked: an override of a channel one cannot see is harmless, and the channel list is public to
 * members anyway.
 */
export async function reachableChannels(
  db: Db,
  userId: string,
  channelIds: readonly string[],
): Promise<Map<string, string | null>> {
  if (channelIds.length === 0) return new Map();
  const ids = `{${channelIds.join(',')}}`;
  const rows = await queryRows<{ id: string; guild_id: string | null }>(
    db,
    sql`/* userSettings.reachableChannels */
      select c.id::text as id, c.guild_id::text as guild_id from channels c
      where c.id = any(${ids}::bigint[])
        and (exists (select 1 from guild_members gm where gm.guild_id = c.guild_id and gm.user_id = ${userId})
             or exists (select 1 from channel_recipients cr where cr.channel_id = c.id and cr.user_id = ${userId}))
      union all
      select t.id::text, t.guild_id::text from threads t
      where t.id = any(${ids}::bigint[])
        and exists (select 1 from guild_members gm where gm.guild_id = t.guild_id and gm.user_id = ${userId})`,
  );
  return new Map(rows.map((r) => [r.id, r.guild_id]));
}

/** Of `channelIds`, the DMs and group DMs the user takes part in, with each one's newest message id. */
export async function directChannelHeads(
  db: Db,
  userId: string,
  channelIds: readonly string[],
): Promise<Map<string, string | null>> {
  if (channelIds.length === 0) return new Map();
  const rows = await queryRows<{ id: string; last_message_id: string | null }>(
    db,
    sql`/* userSettings.directChannelHeads */
      select c.id::text as id, cs.last_message_id::text as last_message_id
      from channel_recipients cr
      join channels c on c.id = cr.channel_id and c.guild_id is null
      left join channel_state cs on cs.channel_id = c.id
      where cr.user_id = ${userId} and cr.channel_id = any(${`{${channelIds.join(',')}}`}::bigint[])`,
  );
  return new Map(rows.map((r) => [r.id, r.last_message_id]));
}
