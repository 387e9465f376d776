import { queryRows, type Database } from '@gochat/db';
import { pgArray } from '@gochat/search';
import { sql } from 'drizzle-orm';

/*
 * What the indexer reads besides the message store, read-only from the messages domain's tables
 * (docs/decisions/0003-one-database-domain-owned-tables.md), and its own reindex checkpoints.
 */

/** Which of these messages are pinned. */
export async function pinnedAmong(db: Database, messageIds: readonly string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const rows = await queryRows<{ id: string }>(
    db,
    sql`/* indexer.pinnedAmong */ select message_id::text as id from pins
        where message_id = any(${pgArray(messageIds)}::bigint[])`,
  );
  return new Set(rows.map((r) => String(r.id)));
}

/** A container to read for a rebuild: a channel or a thread, with its guild and parent channel. */
export interface Container {
  id: string;
  parentChannelId: string;
  guildId: string | null;
}

/**
 * Every container holding messages in a scope, in a stable order: text, voice and DM channels, then
 * threads. A channel scope is the channel and its threads.
 */
export async function containersOf(
  db: Database,
  scope: { kind: 'all' } | { kind: 'guild'; guildId: string } | { kind: 'channel'; channelId: string },
): Promise<Container[]> {
  const channelWhere =
    scope.kind === 'all'
      ? sql`c.kind <> 'category'`
      : scope.kind === 'guild'
        ? sql`c.kind <> 'category' and c.guild_id = ${scope.guildId}::bigint`
        : sql`c.id = ${scope.channelId}::bigint`;
  const threadWhere =
    scope.kind === 'all'
      ? sql`true`
      : scope.kind === 'guild'
        ? sql`t.guild_id = ${scope.guildId}::bigint`
        : sql`t.parent_id = ${scope.channelId}::bigint`;
  const rows = await queryRows<{ id: string; parent_id: string; guild_id: string | null }>(
    db,
    sql`/* indexer.containersOf */
      select * from (
        select c.id::text as id, c.id::text as parent_id, c.guild_id::text as guild_id, 0 as k
          from channels c where ${channelWhere}
        union all
        select t.id::text, t.parent_id::text, t.guild_id::text, 1 from threads t where ${threadWhere}
      ) x order by k, id::bigint`,
  );
  return rows.map((r) => ({ id: String(r.id), parentChannelId: String(r.parent_id), guildId: r.guild_id }));
}

export interface ReindexPosition {
  /** Containers still to read, in order; the first is being read. */
  remaining: Container[];
  /** The oldest message id read in the first container (history pages go newest first). */
  before: string | null;
  written: number;
}

export interface ReindexRun {
  startedAt: Date;
  position: ReindexPosition;
  finished: boolean;
}

/** The run of a scope, if one was started. */
export async function readRun(db: Database, scope: string): Promise<ReindexRun | undefined> {
  const rows = await queryRows<{ started_at: Date | string; position: unknown; finished_at: unknown }>(
    db,
    sql`/* indexer.readRun */ select started_at, position, finished_at from search_reindex_runs where scope = ${scope}`,
  );
  const row = rows[0];
  if (!row) return undefined;
  const position = (
    typeof row.position === 'string' ? JSON.parse(row.position) : row.position
  ) as ReindexPosition;
  return { startedAt: new Date(row.started_at), position, finished: row.finished_at !== null };
}

/** Starts (or restarts, after a finished one) the run of a scope. */
export async function startRun(db: Database, scope: string, startedAt: Date, position: ReindexPosition) {
  await db.execute(sql`/* indexer.startRun */
    insert into search_reindex_runs (scope, started_at, position, finished_at)
    values (${scope}, ${startedAt.toISOString()}::timestamptz, ${JSON.stringify(position)}::jsonb, null)
    on conflict (scope) do update set started_at = excluded.started_at, position = excluded.position,
      finished_at = null`);
}

/** Records progress: a crash after this resumes from here. */
export async function saveRun(db: Database, scope: string, position: ReindexPosition) {
  await db.execute(sql`/* indexer.saveRun */
    update search_reindex_runs set position = ${JSON.stringify(position)}::jsonb where scope = ${scope}`);
}

export async function finishRun(db: Database, scope: string) {
  await db.execute(sql`/* indexer.finishRun */
    update search_reindex_runs set finished_at = now() where scope = ${scope}`);
}
