import { queryRows, type Database } from '@gochat/db';
import { pgArray } from '@gochat/search';
import { sql } from 'drizzle-orm';

/*
 * What resolving a query's names needs, read-only from the accounts, guilds and messages tables
 * (docs/decisions/0003-one-database-domain-owned-tables.md): every statement of this subgraph.
 */

/** Users by handle (case-insensitive): lower-cased handle → id. */
export async function usersByHandle(db: Database, handles: readonly string[]): Promise<Map<string, string>> {
  if (handles.length === 0) return new Map();
  const rows = await queryRows<{ id: string; handle: string }>(
    db,
    sql`/* search.usersByHandle */ select id, lower(handle) as handle from "user"
        where lower(handle) = any(${pgArray(handles.map((h) => h.toLowerCase()))}::text[])`,
  );
  return new Map(rows.map((r) => [r.handle, r.id]));
}

/** Which of these ids are users. */
export async function existingUsers(db: Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await queryRows<{ id: string }>(
    db,
    sql`/* search.existingUsers */ select id from "user" where id = any(${pgArray(ids)}::text[])`,
  );
  return new Set(rows.map((r) => r.id));
}

/** Threads of a guild among these ids: thread id → its parent channel. */
export async function threadsOfGuild(
  db: Database,
  guildId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await queryRows<{ id: string; parent_id: string }>(
    db,
    sql`/* search.threadsOfGuild */ select id::text as id, parent_id::text as parent_id from threads
        where guild_id = ${guildId}::bigint and id = any(${pgArray(ids)}::bigint[])`,
  );
  return new Map(rows.map((r) => [String(r.id), String(r.parent_id)]));
}

/** The DMs and group DMs the user takes part in. */
export async function directChannelsOf(db: Database, userId: string): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`/* search.directChannelsOf */ select channel_id::text as id from channel_recipients where user_id = ${userId}`,
  );
  return rows.map((r) => String(r.id));
}
