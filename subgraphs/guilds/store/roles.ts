import type { Database, Transaction } from '@gochat/db';
import { channelOverwrites, roles } from '@gochat/drizzle';
import { DomainError, notFound } from '@gochat/errors';
import type { SnowflakeGenerator } from '@gochat/ids';
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';

import { diff } from './audit.ts';
import { forKeys } from './queries.ts';
import type { RoleRow } from './rows.ts';
import { guildEvent, lockGuild, recordChange } from './tx.ts';

/** Discord's limit, @everyone included. */
export const MAX_ROLES = 250;

/** The editable fields of a role. */
export type RoleFields = {
  name: string;
  color: number;
  hoist: boolean;
  mentionable: boolean;
  permissions: bigint;
};

export interface RolePosition {
  id: string;
  position: number;
}

/** Re-checks the caller's right to act on the role(s) as they are inside the transaction; throws to refuse. */
export type RoleGuard<T> = (current: T) => void;

const fieldsOf = (r: RoleRow): RoleFields => ({
  name: r.name,
  color: r.color,
  hoist: r.hoist,
  mentionable: r.mentionable,
  permissions: r.permissions,
});

/** @everyone first (its id is the guild's), then by position, ties by id. */
export function sortRoles(list: readonly RoleRow[]): RoleRow[] {
  const rank = (r: RoleRow) => (r.id === r.guildId ? -1 : r.position);
  return [...list].sort((a, b) => rank(a) - rank(b) || compareIds(a.id, b.id));
}

const compareIds = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/**
 * Applies requested positions and renumbers every role but @everyone 1..n (Discord). A moved role
 * takes its requested slot: moving up it lands above a role already there, moving down below it;
 * several moved to one slot keep the order of the request.
 */
export function normalisePositions(current: readonly RoleRow[], requested: readonly RolePosition[]) {
  const wanted = new Map(requested.map((p, i) => [p.id, { position: p.position, order: i }]));
  const keyed = current
    .filter((r) => r.id !== r.guildId)
    .map((r) => {
      const w = wanted.get(r.id);
      const position = w?.position ?? r.position;
      const tie = w ? (w.position > r.position ? 1 : -1) : 0;
      return { role: r, position, tie, order: w?.order ?? 0 };
    });
  keyed.sort(
    (a, b) =>
      a.position - b.position || a.tie - b.tie || a.order - b.order || compareIds(a.role.id, b.role.id),
  );
  return keyed.map((k, i) => ({ role: k.role, position: i + 1 }));
}

/**
 * Locks the guild against concurrent role-structure changes. NO KEY UPDATE: foreign-key checks (a
 * member joining, a role being assigned) still pass.
 */
const lockRoles = (tx: Transaction, guildId: string) => lockGuild(tx, guildId, 'no key update');

/** Role CRUD and ordering. Role writes lock the guild row first, so they serialise per guild. */
export function rolesStore(db: Database, ids: SnowflakeGenerator) {
  const guildRoles = (tx: Transaction | Database, guildId: string) =>
    tx.select().from(roles).where(eq(roles.guildId, guildId)).orderBy(asc(roles.position), asc(roles.id));

  /**
   * Runs a write to one role under its guild's lock, with the role locked and accepted by `guard`
   * as it is now. The guild is read first without a lock, to know which guild to lock.
   */
  async function writeRole<T>(
    roleId: string,
    guard: RoleGuard<RoleRow>,
    work: (tx: Transaction, before: RoleRow) => Promise<T>,
  ): Promise<T> {
    const [row] = await db.select({ guildId: roles.guildId }).from(roles).where(eq(roles.id, roleId));
    if (!row) throw notFound('Role');
    return db.transaction(async (tx) => {
      await lockRoles(tx, row.guildId);
      const [before] = await tx.select().from(roles).where(eq(roles.id, roleId)).for('update');
      if (!before) throw notFound('Role');
      guard(before);
      return work(tx, before);
    });
  }

  return {
    rolesByIds: (list: readonly string[]): Promise<RoleRow[]> =>
      forKeys(list, (keys) => db.select().from(roles).where(inArray(roles.id, keys))),

    /** A new role at position 1, every other role but @everyone moving up one (Discord). */
    createRole: (
      actorId: string,
      guildId: string,
      fields: RoleFields,
      reason: string | null,
    ): Promise<RoleRow> =>
      db.transaction(async (tx) => {
        await lockRoles(tx, guildId);
        const [counted] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(roles)
          .where(eq(roles.guildId, guildId));
        if (Number(counted?.n ?? 0) >= MAX_ROLES)
          throw new DomainError('LIMIT_REACHED', `A guild has at most ${MAX_ROLES} roles.`);
        await tx
          .update(roles)
          .set({ position: sql`${roles.position} + 1` })
          .where(and(eq(roles.guildId, guildId), ne(roles.id, guildId)));
        const [role] = await tx
          .insert(roles)
          .values({ id: ids.next(), guildId, position: 1, ...fields })
          .returning();
        if (!role) throw new Error('insert returned no role');
        const by = { guildId, actorId, reason };
        await recordChange(
          tx,
          ids,
          by,
          { action: 'ROLE_CREATE', targetType: 'ROLE', targetId: role.id, changes: diff({}, fieldsOf(role)) },
          [guildEvent(by, 'RoleCreated', { roleId: role.id })],
        );
        return role;
      }),

    /** Changes the given fields; `guard` re-checks the caller against the locked row. No-op changes record nothing. */
    updateRole: (
      actorId: string,
      roleId: string,
      patch: Partial<RoleFields>,
      reason: string | null,
      guard: RoleGuard<RoleRow>,
    ): Promise<RoleRow> =>
      writeRole(roleId, guard, async (tx, before) => {
        const changes = diff(fieldsOf(before), { ...fieldsOf(before), ...patch });
        if (changes.length === 0) return before;
        const [after] = await tx.update(roles).set(patch).where(eq(roles.id, roleId)).returning();
        if (!after) throw notFound('Role');
        const by = { guildId: before.guildId, actorId, reason };
        await recordChange(
          tx,
          ids,
          by,
          { action: 'ROLE_UPDATE', targetType: 'ROLE', targetId: roleId, changes },
          [guildEvent(by, 'RoleUpdated', { roleId, fields: changes.map((c) => c.key) })],
        );
        return after;
      }),

    /**
     * Deletes a role with its channel overwrites; member_roles rows go with it (foreign key cascade),
     * so an assignment racing the delete either lands first and is removed, or fails.
     */
    deleteRole: (
      actorId: string,
      roleId: string,
      reason: string | null,
      guard: RoleGuard<RoleRow>,
    ): Promise<RoleRow> =>
      writeRole(roleId, guard, async (tx, before) => {
        const cleared = await tx
          .delete(channelOverwrites)
          .where(and(eq(channelOverwrites.targetId, roleId), eq(channelOverwrites.targetType, 'role')))
          .returning({ channelId: channelOverwrites.channelId });
        await tx.delete(roles).where(eq(roles.id, roleId));
        const by = { guildId: before.guildId, actorId, reason };
        await recordChange(
          tx,
          ids,
          by,
          {
            action: 'ROLE_DELETE',
            targetType: 'ROLE',
            targetId: roleId,
            changes: diff({ ...fieldsOf(before), position: before.position }, {}),
          },
          [
            guildEvent(by, 'RoleDeleted', { roleId }),
            ...cleared.map((c) =>
              guildEvent(by, 'ChannelUpdated', { channelId: c.channelId, fields: ['overwrites'] }),
            ),
          ],
        );
        return before;
      }),

    /** Every role of the guild, @everyone first then by position; guard sees the roles before the move. */
    reorderRoles: (
      actorId: string,
      guildId: string,
      requested: readonly RolePosition[],
      reason: string | null,
      guard: RoleGuard<RoleRow[]>,
    ): Promise<RoleRow[]> =>
      db.transaction(async (tx) => {
        await lockRoles(tx, guildId);
        const current = await guildRoles(tx, guildId);
        guard(current);
        const moved = normalisePositions(current, requested).filter((m) => m.position !== m.role.position);
        if (moved.length > 0) {
          const values = sql.join(
            moved.map((m) => sql`(${m.role.id}::bigint, ${m.position}::int)`),
            sql`, `,
          );
          await tx.execute(
            sql`update ${roles} set position = v.position from (values ${values}) as v(id, position) where ${roles}.id = v.id`,
          );
          const by = { guildId, actorId, reason };
          const changes = moved.map((m) => ({
            key: `position.${m.role.id}`,
            before: m.role.position,
            after: m.position,
          }));
          await recordChange(
            tx,
            ids,
            by,
            { action: 'ROLES_REORDER', targetType: 'GUILD', targetId: guildId, changes },
            [guildEvent(by, 'RolesReordered', { roleIds: moved.map((m) => m.role.id) })],
          );
        }
        return sortRoles(await guildRoles(tx, guildId));
      }),
  };
}
