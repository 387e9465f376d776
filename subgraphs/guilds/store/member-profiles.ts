import type { Database } from '@gochat/db';
import { channels, guildMembers, memberRoles, roles, threads, user } from '@gochat/drizzle';
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';

import type { MemberRow } from './rows.ts';

/** A membership as a message shows its author: role ids highest first, and the name's colour. */
export type MemberProfileRow = MemberRow & {
  /** The highest coloured role's colour; null when none of the member's roles has one. */
  color: number | null;
};

/**
 * Who asks: a user sees the memberships of guilds they are a member of; a router hydration scoped to
 * a channel or thread sees those of that channel's guild (a thread belongs to its parent's guild).
 */
export type ProfileViewer = { userId: string } | { scopeChannelId: string };

/**
 * The member's roles besides @everyone, highest first (ties: the older role), as Member.roles orders
 * them. Qualified by hand: drizzle would render the outer table's columns unqualified.
 */
const heldRoles = (tail: SQL) =>
  sql`from ${memberRoles} mr join ${roles} r on r.id = mr.role_id
      where mr.guild_id = ${guildMembers}.guild_id and mr.user_id = ${guildMembers}.user_id
        and r.id <> r.guild_id ${tail}`;
const roleIdsOf = sql<
  string[] | null
>`(select array_agg(r.id::text order by r.position desc, r.id) ${heldRoles(sql``)})`;
const colorOf = sql<
  number | null
>`(select r.color ${heldRoles(sql`and r.color <> 0 order by r.position desc, r.id limit 1`)})`;

/** The guilds whose memberships the viewer may see, as a parenthesised subquery. */
function visibleGuilds(viewer: ProfileViewer): SQL {
  if ('userId' in viewer)
    return sql`(select v.guild_id from ${guildMembers} v where v.user_id = ${viewer.userId})`;
  const channelId = viewer.scopeChannelId;
  return sql`(select c.guild_id from ${channels} c where c.id = ${channelId}::bigint
              union all select t.guild_id from ${threads} t where t.id = ${channelId}::bigint)`;
}

/**
 * Message authors' memberships for Message.member, one statement for a page's worth: only of guilds
 * the viewer can see, and never of deleted accounts. Keys that name no membership get no row.
 */
export function memberProfilesStore(db: Database) {
  return {
    async memberProfiles(
      keys: readonly { guildId: string; userId: string }[],
      viewer: ProfileViewer,
    ): Promise<MemberProfileRow[]> {
      if (keys.length === 0) return [];
      const pairs = sql.join(
        keys.map((k) => sql`(${k.guildId}::bigint, ${k.userId}::text)`),
        sql`, `,
      );
      const rows = await db
        .select({ member: guildMembers, roleIds: roleIdsOf, color: colorOf })
        .from(guildMembers)
        .innerJoin(user, and(eq(user.id, guildMembers.userId), isNull(user.deletedAt)))
        .where(
          and(
            sql`(${guildMembers.guildId}, ${guildMembers.userId}) in (${pairs})`,
            sql`${guildMembers.guildId} in ${visibleGuilds(viewer)}`,
          ),
        );
      return rows.map((r) => ({
        ...r.member,
        roleIds: (r.roleIds ?? []).map(String),
        color: r.color === null ? null : Number(r.color),
      }));
    },
  };
}
