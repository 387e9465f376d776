import { queryRows, type Database, type Transaction } from '@gochat/db';
import { pgArray } from '@gochat/search';
import { sql, type SQL } from 'drizzle-orm';

import type { VoiceModerationRow, VoiceStateRow } from './rows.ts';

/*
 * Every statement on voice_states and voice_moderation (the voice subgraph's tables). A state row
 * is read with its guild's moderation flags, so a server mute shows wherever the state does.
 */

type Db = Database | Transaction;

interface StateSqlRow extends Record<string, unknown> {
  user_id: string;
  guild_id: string | null;
  channel_id: string;
  node_id: string;
  session_id: string;
  self_mute: boolean;
  self_deaf: boolean;
  self_video: boolean;
  self_stream: boolean;
  server_mute: boolean;
  server_deaf: boolean;
  connected_at: Date | string | null;
  joined_at: Date | string;
}

const toState = (r: StateSqlRow): VoiceStateRow => ({
  userId: r.user_id,
  guildId: r.guild_id === null ? null : String(r.guild_id),
  channelId: String(r.channel_id),
  nodeId: r.node_id,
  sessionId: r.session_id,
  selfMute: r.self_mute,
  selfDeaf: r.self_deaf,
  selfVideo: r.self_video,
  selfStream: r.self_stream,
  serverMute: r.server_mute,
  serverDeaf: r.server_deaf,
  connectedAt: r.connected_at === null ? null : new Date(r.connected_at),
  joinedAt: new Date(r.joined_at),
});

/** States matching `where` (on alias s), with their moderation flags. */
async function selectStates(
  db: Db,
  where: SQL,
  lock: 'none' | 'wait' | 'skipLocked' = 'none',
): Promise<VoiceStateRow[]> {
  const rows = await queryRows<StateSqlRow>(
    db,
    sql`select s.user_id, s.guild_id::text as guild_id, s.channel_id::text as channel_id, s.node_id,
               s.session_id, s.self_mute, s.self_deaf, s.self_video, s.self_stream,
               coalesce(m.mute, false) as server_mute, coalesce(m.deaf, false) as server_deaf,
               s.connected_at, s.joined_at
        from voice_states s
        left join voice_moderation m on m.guild_id = s.guild_id and m.user_id = s.user_id
        where ${where}
        order by s.joined_at, s.user_id
        ${lock === 'wait' ? sql`for update of s` : lock === 'skipLocked' ? sql`for update of s skip locked` : sql``}`,
  );
  return rows.map(toState);
}

/** The user's state, if they are in a call; `lock` holds the row until the transaction ends. */
export async function stateOf(db: Db, userId: string, lock = false): Promise<VoiceStateRow | undefined> {
  return (await selectStates(db, sql`s.user_id = ${userId}`, lock ? 'wait' : 'none'))[0];
}

export const statesInGuild = (db: Db, guildId: string) =>
  selectStates(db, sql`s.guild_id = ${guildId}::bigint`);

export const statesInChannel = (db: Db, channelId: string) =>
  selectStates(db, sql`s.channel_id = ${channelId}::bigint`);

export const statesInChannels = (db: Db, channelIds: readonly string[]) =>
  channelIds.length === 0
    ? Promise.resolve([])
    : selectStates(db, sql`s.channel_id = any(${pgArray(channelIds)}::bigint[])`);

/**
 * Serialises joins of one channel until the transaction ends, so a user limit holds when many join
 * at once (a transaction-scoped advisory lock: nothing to clean up, no row of another domain locked).
 */
export async function lockChannel(tx: Transaction, channelId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('voice:' || ${channelId}, 0))`);
}

/** Users in the channel's call besides `userId`. */
export async function othersInChannel(tx: Transaction, channelId: string, userId: string): Promise<number> {
  const rows = await queryRows<{ n: number | string }>(
    tx,
    sql`select count(*)::int as n from voice_states where channel_id = ${channelId}::bigint and user_id <> ${userId}`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Whether nobody is in the channel's call. */
export async function callIsEmpty(db: Db, channelId: string): Promise<boolean> {
  const rows = await queryRows<{ empty: boolean }>(
    db,
    sql`select not exists (select 1 from voice_states where channel_id = ${channelId}::bigint) as empty`,
  );
  return rows[0]?.empty ?? true;
}

export interface JoinWrite {
  userId: string;
  guildId: string | null;
  channelId: string;
  nodeId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

/** Puts the user in the call (replacing any state they had); camera and screen start off. */
export async function writeJoin(tx: Transaction, join: JoinWrite): Promise<VoiceStateRow> {
  await tx.execute(
    sql`insert into voice_states (user_id, guild_id, channel_id, node_id, session_id, self_mute, self_deaf)
        values (${join.userId}, ${join.guildId}::bigint, ${join.channelId}::bigint, ${join.nodeId},
                ${join.sessionId}, ${join.selfMute}, ${join.selfDeaf})
        on conflict (user_id) do update set
          guild_id = excluded.guild_id, channel_id = excluded.channel_id, node_id = excluded.node_id,
          session_id = excluded.session_id, self_mute = excluded.self_mute, self_deaf = excluded.self_deaf,
          self_video = false, self_stream = false, connected_at = null,
          joined_at = case when voice_states.channel_id = excluded.channel_id then voice_states.joined_at else now() end,
          updated_at = now()`,
  );
  return (await stateOf(tx, join.userId))!;
}

export interface SelfPatch {
  selfMute?: boolean;
  selfDeaf?: boolean;
  selfVideo?: boolean;
  selfStream?: boolean;
}

export async function writeSelf(tx: Transaction, userId: string, patch: SelfPatch): Promise<VoiceStateRow> {
  await tx.execute(
    sql`update voice_states set
          self_mute = coalesce(${patch.selfMute ?? null}::boolean, self_mute),
          self_deaf = coalesce(${patch.selfDeaf ?? null}::boolean, self_deaf),
          self_video = coalesce(${patch.selfVideo ?? null}::boolean, self_video),
          self_stream = coalesce(${patch.selfStream ?? null}::boolean, self_stream),
          updated_at = now()
        where user_id = ${userId}`,
  );
  return (await stateOf(tx, userId))!;
}

/** Moves the user's state to another channel of the same node's guild (a moderator's move). */
export async function writeMove(
  tx: Transaction,
  userId: string,
  target: { channelId: string; nodeId: string; sessionId: string },
): Promise<VoiceStateRow> {
  await tx.execute(
    sql`update voice_states set channel_id = ${target.channelId}::bigint, node_id = ${target.nodeId},
          session_id = ${target.sessionId}, connected_at = null, self_video = false, self_stream = false,
          joined_at = now(), updated_at = now()
        where user_id = ${userId}`,
  );
  return (await stateOf(tx, userId))!;
}

/** Removes the user's state; with `sessionId`, only while it is still that session. */
export async function deleteState(
  tx: Transaction,
  userId: string,
  sessionId?: string,
): Promise<VoiceStateRow | undefined> {
  const state = await stateOf(tx, userId, true);
  if (!state || (sessionId !== undefined && state.sessionId !== sessionId)) return undefined;
  await tx.execute(sql`delete from voice_states where user_id = ${userId}`);
  return state;
}

/**
 * Removes the states `where` selects and returns them. Concurrent callers (every API process sees a
 * node die) split the rows: a row deleted by one is not returned to another, so each is announced once.
 */
async function deleteWhere(tx: Transaction, where: SQL): Promise<VoiceStateRow[]> {
  const states = await selectStates(tx, where, 'skipLocked');
  if (states.length === 0) return [];
  await tx.execute(
    sql`delete from voice_states where user_id = any(${pgArray(states.map((s) => s.userId))}::text[])`,
  );
  return states;
}

/** The states of calls on a node that is gone. */
export const deleteNodeStates = (tx: Transaction, nodeId: string) =>
  deleteWhere(tx, sql`s.node_id = ${nodeId}`);

/** The states on nodes not in `liveNodeIds` (a node that died while no API process watched). */
export const deleteStatesOffNodes = (tx: Transaction, liveNodeIds: readonly string[]) =>
  deleteWhere(tx, sql`not (s.node_id = any(${pgArray(liveNodeIds)}::text[]))`);

/** Joins the SFU never confirmed within the grace period (the client never connected). */
export const deleteUnconfirmed = (tx: Transaction, before: Date) =>
  deleteWhere(tx, sql`s.connected_at is null and s.updated_at < ${before.toISOString()}::timestamptz`);

/** The SFU admitted the session: the state is confirmed. False when the state is another session's. */
export async function confirmSession(db: Db, userId: string, sessionId: string): Promise<boolean> {
  const rows = await queryRows<{ user_id: string }>(
    db,
    sql`update voice_states set connected_at = now()
        where user_id = ${userId} and session_id = ${sessionId} and connected_at is null
        returning user_id`,
  );
  return rows.length > 0;
}

export async function moderationOf(db: Db, guildId: string, userId: string): Promise<VoiceModerationRow> {
  const rows = await queryRows<{ mute: boolean; deaf: boolean }>(
    db,
    sql`select mute, deaf from voice_moderation where guild_id = ${guildId}::bigint and user_id = ${userId}`,
  );
  return { guildId, userId, serverMute: rows[0]?.mute ?? false, serverDeaf: rows[0]?.deaf ?? false };
}

export async function writeModeration(
  tx: Transaction,
  guildId: string,
  userId: string,
  patch: { serverMute?: boolean; serverDeaf?: boolean },
): Promise<VoiceModerationRow> {
  const rows = await queryRows<{ mute: boolean; deaf: boolean }>(
    tx,
    sql`insert into voice_moderation (guild_id, user_id, mute, deaf)
        values (${guildId}::bigint, ${userId}, ${patch.serverMute ?? false}, ${patch.serverDeaf ?? false})
        on conflict (guild_id, user_id) do update set
          mute = coalesce(${patch.serverMute ?? null}::boolean, voice_moderation.mute),
          deaf = coalesce(${patch.serverDeaf ?? null}::boolean, voice_moderation.deaf),
          updated_at = now()
        returning mute, deaf`,
  );
  return { guildId, userId, serverMute: rows[0]!.mute, serverDeaf: rows[0]!.deaf };
}
