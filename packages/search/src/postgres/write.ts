import { queryRows, type Database } from '@gochat/db';
import { sql, type SQL } from 'drizzle-orm';

import { newestById } from '../batch.ts';
import { TOMBSTONE_VERSION, type RebuildScope, type SearchDocument } from '../port.ts';
import { hasMask, searchableText } from '../text.ts';

/**
 * Inserts or replaces rows in one statement (the batch travels as one JSON parameter). A row is
 * replaced only by an equal or newer version and never once it is a tombstone, so redeliveries and
 * racing indexers converge; an equal version still refreshes indexed_at, which rebuilds rely on.
 */
export async function upsertDocuments(db: Database, docs: readonly SearchDocument[]): Promise<void> {
  if (docs.length === 0) return;
  const rows = newestById(docs).map((d) => ({
    id: d.id,
    guild_id: d.guildId,
    channel_id: d.channelId,
    parent_channel_id: d.parentChannelId,
    author_id: d.authorId,
    content: d.content,
    words: searchableText(d.content),
    mention_users: d.mentions.users,
    mention_roles: d.mentions.roles,
    everyone: d.mentions.everyone,
    has_flags: hasMask(d.has),
    pinned: d.pinned,
    version: d.version,
  }));
  await db.execute(sql`/* search.upsert */
    insert into message_search as s (message_id, guild_id, channel_id, parent_channel_id, author_id,
      content, document, mention_user_ids, mention_role_ids, mentions_everyone, has_flags, pinned,
      version, deleted, indexed_at)
    select d.id::bigint, d.guild_id::bigint, d.channel_id::bigint, d.parent_channel_id::bigint,
      d.author_id, d.content, to_tsvector('simple', d.words), d.mention_users, d.mention_roles,
      d.everyone, d.has_flags, d.pinned, d.version, false, now()
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as d(id text, guild_id text, channel_id text,
      parent_channel_id text, author_id text, content text, words text, mention_users text[],
      mention_roles text[], everyone boolean, has_flags smallint, pinned boolean, version bigint)
    on conflict (message_id) do update set
      guild_id = excluded.guild_id, channel_id = excluded.channel_id,
      parent_channel_id = excluded.parent_channel_id, author_id = excluded.author_id,
      content = excluded.content, document = excluded.document,
      mention_user_ids = excluded.mention_user_ids, mention_role_ids = excluded.mention_role_ids,
      mentions_everyone = excluded.mentions_everyone, has_flags = excluded.has_flags,
      pinned = excluded.pinned, version = excluded.version, indexed_at = now()
    where s.version <= excluded.version and not s.deleted`);
}

/** Tombstones: the content is dropped, the row stays so a late write of the message cannot revive it. */
export async function tombstone(
  db: Database,
  messages: readonly { id: string; guildId: string | null }[],
): Promise<void> {
  if (messages.length === 0) return;
  const rows = [...new Map(messages.map((m) => [m.id, { id: m.id, guild_id: m.guildId }])).values()];
  await db.execute(sql`/* search.tombstone */
    insert into message_search as s (message_id, guild_id, channel_id, parent_channel_id, author_id,
      content, document, version, deleted, indexed_at)
    select d.id::bigint, d.guild_id::bigint, 0, 0, '', '', ''::tsvector, ${TOMBSTONE_VERSION}, true, now()
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as d(id text, guild_id text)
    on conflict (message_id) do update set content = '', document = ''::tsvector,
      mention_user_ids = '{}', mention_role_ids = '{}', mentions_everyone = false, has_flags = 0,
      pinned = false, version = excluded.version, deleted = true, indexed_at = now()`);
}

/** The rows a scope covers (a channel's threads included). */
export function scopeCondition(scope: RebuildScope): SQL {
  switch (scope.kind) {
    case 'all':
      return sql`true`;
    case 'guild':
      return sql`guild_id = ${scope.guildId}::bigint`;
    case 'channel':
      return sql`(channel_id = ${scope.channelId}::bigint or parent_channel_id = ${scope.channelId}::bigint)`;
  }
}

export async function removeWhere(db: Database, scope: RebuildScope): Promise<void> {
  await db.execute(sql`/* search.removeScope */ delete from message_search where ${scopeCondition(scope)}`);
}

/**
 * Ends a rebuild: rows of the scope it did not write since it started are messages gone from the
 * store; tombstones a day old have outlived any write that could race them.
 */
export async function dropUntouched(db: Database, scope: RebuildScope, startedAt: Date): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`/* search.dropUntouched */
      with gone as (delete from message_search where ${scopeCondition(scope)}
        and indexed_at < ${startedAt.toISOString()}::timestamptz
        and (not deleted or indexed_at < ${startedAt.toISOString()}::timestamptz - interval '1 day')
        returning 1)
      select count(*)::int as n from gone`,
  );
  return Number(rows[0]?.n ?? 0);
}
