import type { Database, Transaction } from '@gochat/db';
import { bans, guildMembers, memberRoles } from '@gochat/drizzle';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';

import type { MemberRow } from './rows.ts';

/** Runs a loader's batch query with its keys; an empty batch asks the database nothing. */
export function forKeys<R>(keys: readonly string[], query: (keys: string[]) => Promise<R[]>): Promise<R[]> {
  return keys.length === 0 ? Promise.resolve([]) : query([...keys]);
}

/** The membership of one user in one guild (the primary key). */
export const memberIs = (guildId: string, userId: string) =>
  and(eq(guildMembers.guildId, guildId), eq(guildMembers.userId, userId));

/** The ban of one user from one guild (the primary key). */
export const banIs = (guildId: string, userId: string) =>
  and(eq(bans.guildId, guildId), eq(bans.userId, userId));

/**
 * The member's role ids, aggregated per row (one subquery per returned member, served by the PK).
 * Qualified by hand: drizzle renders columns unqualified in a one-table select, which would compare
 * member_roles' columns with themselves.
 */
const roleIdsOf = sql<
  string[] | null
>`(select array_agg(mr.role_id::text) from ${memberRoles} mr where mr.guild_id = ${guildMembers}.guild_id and mr.user_id = ${guildMembers}.user_id)`;

/** Memberships matching `where`, each with its role ids, by user id. */
export async function selectMembers(
  db: Database | Transaction,
  where: SQL | undefined,
  limit?: number,
): Promise<MemberRow[]> {
  const query = db
    .select({ member: guildMembers, roleIds: roleIdsOf })
    .from(guildMembers)
    .where(where)
    .orderBy(asc(guildMembers.userId));
  const rows = await (limit === undefined ? query : query.limit(limit));
  return rows.map((r) => ({ ...r.member, roleIds: (r.roleIds ?? []).map(String) }));
}
