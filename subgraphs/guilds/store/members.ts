import type { BusEvent } from '@gochat/bus';
import { isForeignKeyViolation, type Database, type Transaction } from '@gochat/db';
import { guildMembers, memberRoles } from '@gochat/drizzle';
import { notFound } from '@gochat/errors';
import type { SnowflakeGenerator } from '@gochat/ids';
import { and, eq, gt } from 'drizzle-orm';

import { diff, type AuditAction } from './audit.ts';
import { memberIs, selectMembers } from './queries.ts';
import { pageOf, type AuditChangeRow, type MemberRow, type Page } from './rows.ts';
import { guildEvent, recordChange } from './tx.ts';

/** Which constraint a foreign-key violation names, however deep drizzle wrapped the driver error. */
function violatedConstraint(error: unknown): string | undefined {
  for (let e = error as { cause?: unknown; constraint?: unknown } | undefined; e; e = e.cause as typeof e)
    if (typeof e.constraint === 'string') return e.constraint;
  return undefined;
}

/** Members: the keyset-paginated list, role assignment, nicknames and timeouts. */
export function membersStore(db: Database, ids: SnowflakeGenerator) {
  async function memberIn(tx: Transaction, guildId: string, userId: string): Promise<MemberRow> {
    const [member] = await selectMembers(tx, memberIs(guildId, userId));
    if (!member) throw notFound('Member');
    return member;
  }

  /** Audit entry and GuildMemberUpdated event of one member change. */
  function recordMemberChange(
    tx: Transaction,
    by: { guildId: string; actorId: string; reason: string | null },
    userId: string,
    action: AuditAction,
    changes: AuditChangeRow[],
  ): Promise<BusEvent[]> {
    return recordChange(tx, ids, by, { action, targetType: 'MEMBER', targetId: userId, changes }, [
      guildEvent(by, 'GuildMemberUpdated', { userId, fields: changes.map((c) => c.key) }),
    ]);
  }

  /** Sets one column of a membership; a no-op change records nothing. */
  const setMemberField =
    <K extends 'nickname' | 'timeoutUntil'>(key: K, action: AuditAction) =>
    (
      actorId: string,
      guildId: string,
      userId: string,
      value: MemberRow[K],
      reason: string | null,
    ): Promise<MemberRow> =>
      db.transaction(async (tx) => {
        const [before] = await tx
          .select({ value: guildMembers[key] })
          .from(guildMembers)
          .where(memberIs(guildId, userId))
          .for('update');
        if (!before) throw notFound('Member');
        const changes = diff({ [key]: before.value }, { [key]: value });
        if (changes.length > 0) {
          await tx
            .update(guildMembers)
            .set({ [key]: value })
            .where(memberIs(guildId, userId));
          await recordMemberChange(tx, { guildId, actorId, reason }, userId, action, changes);
        }
        return memberIn(tx, guildId, userId);
      });

  return {
    /** Keyset page by user id: `where user_id > after order by user_id limit first + 1` on the primary key. */
    guildMembersPage: async (
      guildId: string,
      first: number,
      after?: string | null,
    ): Promise<Page<MemberRow>> =>
      pageOf(
        await selectMembers(
          db,
          and(eq(guildMembers.guildId, guildId), after ? gt(guildMembers.userId, after) : undefined),
          first + 1,
        ),
        first,
        (m) => m.userId,
      ),

    /**
     * Gives the member a role; giving it again changes nothing. A role (or membership) deleted
     * concurrently makes the insert fail its foreign key: NOT_FOUND, never a dangling row.
     */
    async addMemberRole(
      actorId: string,
      guildId: string,
      userId: string,
      roleId: string,
      reason: string | null,
    ): Promise<MemberRow> {
      try {
        return await db.transaction(async (tx) => {
          const added = await tx
            .insert(memberRoles)
            .values({ guildId, userId, roleId })
            .onConflictDoNothing()
            .returning({ roleId: memberRoles.roleId });
          if (added.length > 0)
            await recordMemberChange(tx, { guildId, actorId, reason }, userId, 'MEMBER_ROLE_ADD', [
              { key: 'roles', after: [roleId] },
            ]);
          return memberIn(tx, guildId, userId);
        });
      } catch (error) {
        if (!isForeignKeyViolation(error)) throw error;
        throw notFound(violatedConstraint(error)?.includes('role_id') ? 'Role' : 'Member');
      }
    },

    /** Takes a role from the member; taking one they lack changes nothing. */
    removeMemberRole: (
      actorId: string,
      guildId: string,
      userId: string,
      roleId: string,
      reason: string | null,
    ): Promise<MemberRow> =>
      db.transaction(async (tx) => {
        const removed = await tx
          .delete(memberRoles)
          .where(
            and(
              eq(memberRoles.guildId, guildId),
              eq(memberRoles.userId, userId),
              eq(memberRoles.roleId, roleId),
            ),
          )
          .returning({ roleId: memberRoles.roleId });
        if (removed.length > 0)
          await recordMemberChange(tx, { guildId, actorId, reason }, userId, 'MEMBER_ROLE_REMOVE', [
            { key: 'roles', before: [roleId] },
          ]);
        return memberIn(tx, guildId, userId);
      }),

    setMemberNickname: setMemberField('nickname', 'MEMBER_UPDATE'),
    setMemberTimeout: setMemberField('timeoutUntil', 'MEMBER_TIMEOUT'),
  };
}
