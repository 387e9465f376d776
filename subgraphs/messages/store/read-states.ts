import { queryRows, type Database, type Transaction } from '@gochat/db';
import { readStates } from '@gochat/drizzle';
import { newEvent, subjects } from '@gochat/events';
import { commitChange } from '@gochat/message-store';
import {
  PERMISSIONS,
  channelPermissions,
  has,
  isTimedOut,
  type MemberContext,
  type Overwrite,
} from '@gochat/permissions';
import {
  effectivePrefs,
  readNotificationSettings,
  type EffectivePrefs,
  type SettingsDocument,
} from '@gochat/user-settings';
import { sql, type SQL } from 'drizzle-orm';

import type { StoreDeps } from './deps.ts';
import type { GuildUnreadsRow, ReadStateRow, UnreadsRow } from './rows.ts';

/** "Seen by" lists only channels with at most this many viewers. */
export const SEEN_BY_MAX_VIEWERS = 100;

/** Where a read position lives: the container, its parent channel (itself, or a thread's), its guild. */
export interface ReadPlace {
  containerId: string;
  parentChannelId: string;
  /** Null for DMs and group DMs. */
  guildId: string | null;
}

interface StateSqlRow extends Record<string, unknown> {
  last_read_id: string | null;
  last_message_id: string | null;
  unread: boolean | null;
  mention_count: number | string | null;
  /** json text: string[]. */
  mention_ids: string | null;
}

/**
 * A read state as the viewer's settings show it: a muted container, or one at level NOTHING, is not
 * unread for badges; at NOTHING its mentions do not count either (suppressed mention kinds were
 * left out by the query already).
 */
const toReadState = (
  containerId: string,
  row: StateSqlRow | undefined,
  prefs: EffectivePrefs,
): ReadStateRow => {
  const silent = prefs.level === 'NOTHING';
  return {
    channelId: containerId,
    lastReadMessageId: row?.last_read_id ?? null,
    lastMessageId: row?.last_message_id ?? null,
    unread: Boolean(row?.unread) && !prefs.muted && !silent,
    mentionCount: silent ? 0 : Number(row?.mention_count ?? 0),
    mentionIds: !silent && row?.mention_ids ? (JSON.parse(row.mention_ids) as string[]) : [],
    muted: prefs.muted,
  };
};

/** The viewer's notification settings, as the read-state queries use them. */
type Notifications = Pick<SettingsDocument, 'guilds' | 'channels'>;

/** Guild ids (as a bigint[] literal) whose settings suppress a mention kind. */
const suppressing = (settings: Notifications, kind: 'suppressEveryone' | 'suppressRoles'): string =>
  `{${Object.entries(settings.guilds)
    .filter(([, g]) => g[kind])
    .map(([id]) => id)
    .join(',')}}`;

/** Which mention kinds count: SQL booleans of the surrounding query (the guild's suppress settings). */
interface MentionKinds {
  roles: SQL;
  everyone: SQL;
}

const VIEW = sql.raw(String(PERMISSIONS.VIEW_CHANNEL));
const ADMINISTRATOR = sql.raw(String(PERMISSIONS.ADMINISTRATOR));

/** At most this many ids of unread mentioning messages per read state (mentionIds). */
export const MAX_MENTION_IDS = 100;

/**
 * Messages after the read position that mention the user: directly, through one of their roles
 * (`roleIds`, a text[] expression), or @everyone/@here, as a union of message ids (distinct, so a
 * message mentioning the user twice counts once). One index range scan per kind on the mentions
 * primary key (channel_id, target_type, target_id, message_id), answerable from the index alone.
 * `container` and `lastRead` are SQL expressions of the surrounding query.
 */
const mentionedSql = (
  userId: string,
  container: SQL,
  lastRead: SQL,
  roleIds: SQL,
  kinds: MentionKinds,
): SQL => sql`
    select m.message_id from mentions m
    where m.channel_id = ${container} and m.target_type = 'user' and m.target_id = ${userId}
      and m.message_id > coalesce(${lastRead}, 0)
    union
    select m.message_id from mentions m
    where ${kinds.roles} and m.channel_id = ${container} and m.target_type = 'role' and m.target_id = any(${roleIds})
      and m.message_id > coalesce(${lastRead}, 0)
    union
    select m.message_id from mentions m
    where ${kinds.everyone} and m.channel_id = ${container} and m.target_type = 'everyone' and m.message_id > coalesce(${lastRead}, 0)`;

/** How many messages after the read position mention the user (see mentionedSql). */
const mentionCountSql = (
  userId: string,
  container: SQL,
  lastRead: SQL,
  roleIds: SQL,
  kinds: MentionKinds,
): SQL => sql`(
  select count(*)::int from (${mentionedSql(userId, container, lastRead, roleIds, kinds)}) mentioned)`;

/** Their ids, newest first, at most MAX_MENTION_IDS, as json text. */
const mentionIdsSql = (
  userId: string,
  container: SQL,
  lastRead: SQL,
  roleIds: SQL,
  kinds: MentionKinds,
): SQL => sql`(
  select coalesce(json_agg(newest.message_id::text order by newest.message_id desc), '[]'::json)::text
  from (select mentioned.message_id from (${mentionedSql(userId, container, lastRead, roleIds, kinds)}) mentioned
        order by mentioned.message_id desc limit ${MAX_MENTION_IDS}) newest)`;

/** The user's role ids in a guild, as text[] (mention and overwrite targets are text). */
const roleIdsSql = (userId: string, guild: SQL): SQL =>
  sql`array(select mr.role_id::text from member_roles mr where mr.guild_id = ${guild} and mr.user_id = ${userId})`;

/** One container's read state for the user, as their settings show it. */
async function readStateOf(db: Database | Transaction, userId: string, place: ReadPlace) {
  const container = sql`${place.containerId}::bigint`;
  const roleIds = roleIdsSql(userId, sql`${place.guildId}::bigint`);
  const prefs = effectivePrefs(await readNotificationSettings(db, userId), place);
  const kinds = { roles: sql`${!prefs.suppressRoles}`, everyone: sql`${!prefs.suppressEveryone}` };
  const rows = await queryRows<StateSqlRow>(
    db,
    sql`/* messages.readState */
      select rs.last_read_id::text as last_read_id,
             cs.last_message_id::text as last_message_id,
             cs.last_message_id > coalesce(rs.last_read_id, 0) as unread,
             ${mentionCountSql(userId, container, sql`rs.last_read_id`, roleIds, kinds)} as mention_count,
             ${mentionIdsSql(userId, container, sql`rs.last_read_id`, roleIds, kinds)} as mention_ids
      from (select 1) as one
      left join read_states rs on rs.user_id = ${userId} and rs.channel_id = ${container}
      left join channel_state cs on cs.channel_id = ${container}`,
  );
  return toReadState(place.containerId, rows[0], prefs);
}

interface UnreadsSqlRow extends StateSqlRow {
  guild_id: string | null;
  /** Guild rows: the user's permission facts there. */
  owner_id: string | null;
  everyone: string | null;
  timeout_until: Date | string | null;
  /** json text. */
  roles: string | null;
  /** Container rows: null on guild rows. */
  container_id: string | null;
  /** The channel whose permissions apply: the container, or a thread's parent. */
  channel_id: string | null;
  is_thread: boolean | null;
  position: number | null;
  /** json text: the channel's overwrites that concern the user. */
  overwrites: string | null;
}

interface OverwriteJson {
  targetId: string;
  targetType: 'role' | 'member';
  allow: string;
  deny: string;
}

/**
 * Everything unread for the user, in one statement. Two kinds of rows: one per guild they are a
 * member of, with their permission facts there (owner, @everyone, roles, timeout); and one per
 * container: every text channel and joined thread of those guilds, with the overwrites that concern
 * the user, and their DMs and group DMs; each with its read position, last message and unread mention
 * count. Mentions are counted only where the container is unread (none can follow the read position
 * otherwise). Visibility is decided afterwards, in JavaScript, by channelPermissions.
 */
const unreadsSql = (userId: string, settings: Notifications): SQL => {
  // A guild's suppressEveryone / suppressRoles leave those mention kinds out of its counts.
  const kinds: MentionKinds = {
    roles: sql`not coalesce(s.guild_id = any(${suppressing(settings, 'suppressRoles')}::bigint[]), false)`,
    everyone: sql`not coalesce(s.guild_id = any(${suppressing(settings, 'suppressEveryone')}::bigint[]), false)`,
  };
  return sql`/* messages.unreads */
  with my_guilds as (
    select gm.guild_id, gm.timeout_until, g.owner_id, ev.permissions as everyone,
           ${roleIdsSql(userId, sql`gm.guild_id`)} as role_ids
    from guild_members gm
    join guilds g on g.id = gm.guild_id
    left join roles ev on ev.id = gm.guild_id
    where gm.user_id = ${userId}
  ),
  containers as (
    select c.guild_id, c.id, c.id as channel_id, false as is_thread, c.position
    from my_guilds mg join channels c on c.guild_id = mg.guild_id and c.kind = 'text'
    union all
    select t.guild_id, t.id, t.parent_id, true, pc.position
    from thread_members tm
    join threads t on t.id = tm.thread_id
    join my_guilds mg on mg.guild_id = t.guild_id
    join channels pc on pc.id = t.parent_id
    where tm.user_id = ${userId}
    union all
    select null, c.id, c.id, false, 0
    from channel_recipients cr join channels c on c.id = cr.channel_id and c.kind in ('dm', 'group_dm')
    where cr.user_id = ${userId}
  ),
  states as (
    select ct.*, coalesce(mg.role_ids, '{}') as role_ids, rs.last_read_id, cs.last_message_id,
           cs.last_message_id > coalesce(rs.last_read_id, 0) as unread
    from containers ct
    left join my_guilds mg on mg.guild_id = ct.guild_id
    left join read_states rs on rs.user_id = ${userId} and rs.channel_id = ct.id
    left join channel_state cs on cs.channel_id = ct.id
  )
  select mg.guild_id::text as guild_id, mg.owner_id, mg.everyone::text as everyone, mg.timeout_until,
         (select json_agg(json_build_object('id', r.id::text, 'permissions', r.permissions::text))
            from roles r where r.id = any(mg.role_ids::bigint[]))::text as roles,
         null as container_id, null as channel_id, null as is_thread, null as position, null as overwrites,
         null as last_read_id, null as last_message_id, null as unread, null as mention_count,
         null as mention_ids
  from my_guilds mg
  union all
  select s.guild_id::text, null, null, null, null,
         s.id::text, s.channel_id::text, s.is_thread, s.position,
         (select json_agg(json_build_object('targetId', o.target_id, 'targetType', o.target_type,
                                            'allow', o.allow::text, 'deny', o.deny::text))
            from channel_overwrites o
            where s.guild_id is not null and o.channel_id = s.channel_id
              and ((o.target_type = 'member' and o.target_id = ${userId})
                   or (o.target_type = 'role' and (o.target_id = s.guild_id::text or o.target_id = any(s.role_ids)))))::text,
         s.last_read_id::text, s.last_message_id::text, coalesce(s.unread, false),
         case when s.unread then ${mentionCountSql(userId, sql`s.id`, sql`s.last_read_id`, sql`s.role_ids`, kinds)} else 0 end,
         case when s.unread then ${mentionIdsSql(userId, sql`s.id`, sql`s.last_read_id`, sql`s.role_ids`, kinds)} else '[]' end
  from states s`;
};

const byId = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

interface SortKey {
  position: number;
  channelId: string;
  thread: boolean;
}

/**
 * Groups the rows per guild and keeps the containers the user can view (threads: their parent's
 * view), each as the user's notification settings show it.
 */
function toUnreads(userId: string, rows: UnreadsSqlRow[], settings: Notifications, now: Date): UnreadsRow {
  const guilds = new Map<
    string,
    { member: MemberContext; channels: (ReadStateRow & { order: SortKey })[] }
  >();
  for (const row of rows)
    if (row.guild_id !== null && row.container_id === null) {
      const roles = JSON.parse(row.roles ?? '[]') as { id: string; permissions: string }[];
      const member: MemberContext = {
        userId,
        guildId: row.guild_id,
        ownerId: row.owner_id ?? '',
        everyone: BigInt(row.everyone ?? 0),
        roles: roles.map((r) => ({ id: r.id, permissions: BigInt(r.permissions) })),
        timedOut: isTimedOut(row.timeout_until === null ? null : new Date(row.timeout_until), now),
      };
      guilds.set(row.guild_id, { member, channels: [] });
    }

  const viewable = new Map<string, boolean>();
  const direct: ReadStateRow[] = [];
  for (const row of rows) {
    if (row.container_id === null || row.channel_id === null) continue;
    const place = { containerId: row.container_id, parentChannelId: row.channel_id, guildId: row.guild_id };
    if (row.guild_id === null) {
      direct.push(toReadState(row.container_id, row, effectivePrefs(settings, place, now)));
      continue;
    }
    const guild = guilds.get(row.guild_id);
    if (!guild) continue;
    let visible = viewable.get(row.channel_id);
    if (visible === undefined) {
      const overwrites: Overwrite[] = (JSON.parse(row.overwrites ?? '[]') as OverwriteJson[]).map((o) => ({
        ...o,
        allow: BigInt(o.allow),
        deny: BigInt(o.deny),
      }));
      visible = has(channelPermissions(guild.member, overwrites), PERMISSIONS.VIEW_CHANNEL);
      viewable.set(row.channel_id, visible);
    }
    if (visible)
      guild.channels.push({
        ...toReadState(row.container_id, row, effectivePrefs(settings, place, now)),
        // Channels by position, each followed by its joined threads.
        order: {
          position: Number(row.position ?? 0),
          channelId: row.channel_id,
          thread: Boolean(row.is_thread),
        },
      });
  }

  const result: GuildUnreadsRow[] = [...guilds]
    .sort(([a], [b]) => byId(a, b))
    .map(([guildId, { channels }]) => {
      channels.sort(
        (a, b) =>
          a.order.position - b.order.position ||
          byId(a.order.channelId, b.order.channelId) ||
          Number(a.order.thread) - Number(b.order.thread) ||
          byId(a.channelId, b.channelId),
      );
      const states = channels.map(({ order: _order, ...state }) => state);
      return {
        guildId,
        unread: states.some((c) => c.unread),
        mentionCount: states.reduce((sum, c) => sum + c.mentionCount, 0),
        channels: states,
      };
    });
  // Most recently active conversations first.
  direct.sort(
    (a, b) => byId(b.lastMessageId ?? '0', a.lastMessageId ?? '0') || byId(a.channelId, b.channelId),
  );
  return { guilds: result, directChannels: direct };
}

interface ViewerSqlRow extends Record<string, unknown> {
  user_id: string;
  seen: boolean | null;
}

/**
 * The members who can view a guild channel (VIEW_CHANNEL only, which a timeout never removes), in
 * user id order, at most `limit`, each with whether their read position in the container is at or
 * past the message. Discord's algorithm for that one bit: the owner and administrators see
 * everything; otherwise @everyone and the member's roles grant it, then the @everyone overwrite, the
 * member's roles' overwrites taken together, and the member's own overwrite each deny then allow.
 *
 * When a member without roles could view the channel (`everyoneMayView`), every member is a
 * candidate, read in index order so the LIMIT stops early in large guilds. Otherwise only members
 * who could gain the bit are: those holding a role that grants VIEW_CHANNEL or ADMINISTRATOR or
 * has an overwrite allowing it, those with a member overwrite allowing it, and the owner.
 */
const guildViewersSql = (
  place: ReadPlace,
  messageId: string,
  limit: number,
  everyoneMayView: boolean,
): SQL => {
  const channel = sql`${place.parentChannelId}::bigint`;
  const candidates = everyoneMayView
    ? sql``
    : sql`and gm.user_id in (
        select mr.user_id from roles r
        join member_roles mr on mr.role_id = r.id
        left join channel_overwrites ro on ro.channel_id = ${channel} and ro.target_type = 'role' and ro.target_id = r.id::text
        where r.guild_id = ${place.guildId} and (r.permissions & (${VIEW} | ${ADMINISTRATOR}) <> 0 or ro.allow & ${VIEW} <> 0)
        union all
        select o.target_id from channel_overwrites o
        where o.channel_id = ${channel} and o.target_type = 'member' and o.allow & ${VIEW} <> 0
        union all
        select g.owner_id from guilds g where g.id = ${place.guildId})`;
  return sql`/* messages.seenBy */
  select gm.user_id,
         (select rs.last_read_id >= ${messageId}::bigint from read_states rs
          where rs.user_id = gm.user_id and rs.channel_id = ${place.containerId}) as seen
  from guild_members gm
  join guilds g on g.id = gm.guild_id
  left join roles ev on ev.id = gm.guild_id
  left join channel_overwrites eo
         on eo.channel_id = ${channel} and eo.target_type = 'role' and eo.target_id = gm.guild_id::text
  left join channel_overwrites mo
         on mo.channel_id = ${channel} and mo.target_type = 'member' and mo.target_id = gm.user_id
  cross join lateral (
    select coalesce(bit_or(r.permissions), 0) as permissions,
           coalesce(bool_or(ro.deny & ${VIEW} <> 0), false) as deny_view,
           coalesce(bool_or(ro.allow & ${VIEW} <> 0), false) as allow_view
    from member_roles mr
    join roles r on r.id = mr.role_id
    left join channel_overwrites ro
           on ro.channel_id = ${channel} and ro.target_type = 'role' and ro.target_id = mr.role_id::text
    where mr.guild_id = gm.guild_id and mr.user_id = gm.user_id and mr.role_id <> gm.guild_id
  ) mine
  cross join lateral (select coalesce(ev.permissions, 0) | mine.permissions as base) b
  cross join lateral (
    select ((b.base & ${VIEW} <> 0) and not coalesce(eo.deny & ${VIEW} <> 0, false))
           or coalesce(eo.allow & ${VIEW} <> 0, false) as view
  ) everyone_layer
  cross join lateral (
    select (everyone_layer.view and not mine.deny_view) or mine.allow_view as view
  ) roles_layer
  where gm.guild_id = ${place.guildId} ${candidates}
    and (gm.user_id = g.owner_id
         or b.base & ${ADMINISTRATOR} <> 0
         or (roles_layer.view and not coalesce(mo.deny & ${VIEW} <> 0, false))
         or coalesce(mo.allow & ${VIEW} <> 0, false))
  order by gm.user_id
  limit ${limit}`;
};

/** DM and group DM participants, with whether they have read the message. */
const participantsSql = (
  place: ReadPlace,
  messageId: string,
  limit: number,
): SQL => sql`/* messages.seenByDirect */
  select cr.user_id, rs.last_read_id >= ${messageId}::bigint as seen
  from channel_recipients cr
  left join read_states rs on rs.user_id = cr.user_id and rs.channel_id = ${place.containerId}
  where cr.channel_id = ${place.parentChannelId}
  order by cr.user_id
  limit ${limit}`;

export const createReadStatesStore = (deps: StoreDeps) => {
  const { db } = deps;
  return {
    /**
     * Moves the user's read position in the container up to the message; never back. Tells the user's
     * other devices (ReadStateUpdated on their subject) only when the position moved.
     */
    ack: (userId: string, place: ReadPlace, messageId: string): Promise<ReadStateRow> =>
      commitChange(deps, async (tx) => {
        const moved = await tx
          .insert(readStates)
          .values({
            userId,
            channelId: place.containerId,
            parentChannelId: place.parentChannelId,
            lastReadId: messageId,
          })
          .onConflictDoUpdate({
            target: [readStates.userId, readStates.channelId],
            set: { lastReadId: sql`excluded.last_read_id`, updatedAt: sql`now()` },
            setWhere: sql`${readStates.lastReadId} < excluded.last_read_id`,
          })
          .returning({ lastReadId: readStates.lastReadId });
        const state = await readStateOf(tx, userId, place);
        const events = moved.length
          ? [
              newEvent('ReadStateUpdated', subjects.user(userId), {
                userId,
                channelId: place.containerId,
                lastReadMessageId: state.lastReadMessageId ?? messageId,
                mentionCount: state.mentionCount,
              }),
            ]
          : [];
        return { result: state, events };
      }),

    /** Unread flags and mention counts of every guild channel, joined thread and DM the user can view. */
    async unreads(userId: string, now = new Date()): Promise<UnreadsRow> {
      const settings = await readNotificationSettings(db, userId);
      return toUnreads(
        userId,
        await queryRows<UnreadsSqlRow>(db, unreadsSql(userId, settings)),
        settings,
        now,
      );
    },

    /**
     * Who has read the message: the container's viewers (guild channels and threads: those who can view
     * the channel; DMs: participants) whose read position is at or past it, by user id. 'too-many' when
     * more than SEEN_BY_MAX_VIEWERS can view the container. `everyoneMayView` (guild channels): whether
     * a member without roles or overwrites of their own could view it; false narrows the search to the
     * members who could gain the permission, so pass false only when that is so.
     */
    async seenBy(
      place: ReadPlace,
      messageId: string,
      everyoneMayView = true,
    ): Promise<string[] | 'too-many'> {
      const limit = SEEN_BY_MAX_VIEWERS + 1;
      const rows = await queryRows<ViewerSqlRow>(
        db,
        place.guildId === null
          ? participantsSql(place, messageId, limit)
          : guildViewersSql(place, messageId, limit, everyoneMayView),
      );
      if (rows.length > SEEN_BY_MAX_VIEWERS) return 'too-many';
      return rows.filter((r) => r.seen === true).map((r) => r.user_id);
    },
  };
};

export type ReadStatesStore = ReturnType<typeof createReadStatesStore>;
