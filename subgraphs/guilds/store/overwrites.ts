import type { BusEvent } from '@gochat/bus';
import type { Database, Transaction } from '@gochat/db';
import { channelOverwrites, guildMembers, roles } from '@gochat/drizzle';
import { notFound } from '@gochat/errors';
import type { SnowflakeGenerator } from '@gochat/ids';
import { PERMISSIONS } from '@gochat/permissions';
import { and, eq } from 'drizzle-orm';

import type { AuditAction } from './audit.ts';
import { memberIs } from './queries.ts';
import type { AuditChangeRow, OverwriteRow } from './rows.ts';
import { guildEvent, lockChannel, recordChange, type GuildActor } from './tx.ts';

export interface OverwriteValues {
  targetType: 'role' | 'member';
  targetId: string;
  allow: bigint;
  deny: bigint;
}

/** The bit a private channel denies @everyone. */
const VIEW = PERMISSIONS.VIEW_CHANNEL;

const overwriteOf = (channelId: string, targetId: string) =>
  and(eq(channelOverwrites.channelId, channelId), eq(channelOverwrites.targetId, targetId));

/** Sets or clears @everyone's VIEW_CHANNEL deny on the channel, keeping the overwrite's other bits. */
export async function setPrivate(tx: Transaction, channelId: string, guildId: string, hidden: boolean) {
  const [current] = await tx.select().from(channelOverwrites).where(overwriteOf(channelId, guildId));
  const allow = (current?.allow ?? 0n) & ~VIEW;
  const deny = hidden ? (current?.deny ?? 0n) | VIEW : (current?.deny ?? 0n) & ~VIEW;
  if (allow === 0n && deny === 0n) {
    if (current) await tx.delete(channelOverwrites).where(overwriteOf(channelId, guildId));
    return;
  }
  await tx
    .insert(channelOverwrites)
    .values({ channelId, targetId: guildId, targetType: 'role', allow, deny })
    .onConflictDoUpdate({
      target: [channelOverwrites.channelId, channelOverwrites.targetId],
      set: { allow, deny, targetType: 'role' },
    });
}

/** A member overwrite allowing VIEW_CHANNEL: keeps a private channel visible to its creator. */
export async function letMemberView(tx: Transaction, channelId: string, userId: string) {
  await tx
    .insert(channelOverwrites)
    .values({ channelId, targetId: userId, targetType: 'member', allow: VIEW, deny: 0n });
}

/** Whether @everyone is denied VIEW_CHANNEL by the channel's overwrites. */
export function isPrivate(overwrites: OverwriteRow[], guildId: string): boolean {
  const everyone = overwrites.find((o) => o.targetType === 'role' && o.targetId === guildId);
  return everyone !== undefined && (everyone.deny & VIEW) !== 0n;
}

export async function overwritesOf(tx: Transaction, channelId: string): Promise<OverwriteRow[]> {
  return tx.select().from(channelOverwrites).where(eq(channelOverwrites.channelId, channelId));
}

/**
 * The audit entry and ChannelUpdated event of a change to one channel's settings or overwrites
 * (channels.ts uses it too; it lives here so that channels.ts imports this file, never the reverse).
 */
export function recordChannelChange(
  tx: Transaction,
  ids: SnowflakeGenerator,
  by: GuildActor,
  channelId: string,
  change: { action: AuditAction; changes: AuditChangeRow[]; fields: string[] },
): Promise<BusEvent[]> {
  return recordChange(
    tx,
    ids,
    by,
    { action: change.action, targetType: 'CHANNEL', targetId: channelId, changes: change.changes },
    [guildEvent(by, 'ChannelUpdated', { channelId, fields: change.fields })],
  );
}

/** Permission overwrites of guild channels, each change with its audit entry and ChannelUpdated event. */
export function overwritesStore(db: Database, ids: SnowflakeGenerator) {
  return {
    /**
     * Creates or replaces the overwrite for its target, with an OVERWRITE_UPDATE entry. The target is
     * checked again under the transaction: a role of the guild, or a member.
     */
    setChannelOverwrite: (
      channelId: string,
      guildId: string,
      actorId: string,
      values: OverwriteValues,
      reason: string | null,
    ): Promise<void> =>
      db.transaction(async (tx) => {
        await lockChannel(tx, channelId);
        await checkTarget(tx, guildId, values);
        const [before] = await tx
          .select()
          .from(channelOverwrites)
          .where(overwriteOf(channelId, values.targetId));
        await tx
          .insert(channelOverwrites)
          .values({ channelId, ...values })
          .onConflictDoUpdate({
            target: [channelOverwrites.channelId, channelOverwrites.targetId],
            set: { targetType: values.targetType, allow: values.allow, deny: values.deny },
          });
        await recordChannelChange(tx, ids, { guildId, actorId, reason }, channelId, {
          action: 'OVERWRITE_UPDATE',
          changes: overwriteChanges(values.targetId, before, values),
          fields: ['overwrites'],
        });
      }),

    /** Removes the overwrite for the target; NOT_FOUND when there is none. */
    deleteChannelOverwrite: (
      channelId: string,
      guildId: string,
      actorId: string,
      targetId: string,
      reason: string | null,
    ): Promise<void> =>
      db.transaction(async (tx) => {
        await lockChannel(tx, channelId);
        const [before] = await tx
          .delete(channelOverwrites)
          .where(overwriteOf(channelId, targetId))
          .returning();
        if (!before) throw notFound('Overwrite');
        await recordChannelChange(tx, ids, { guildId, actorId, reason }, channelId, {
          action: 'OVERWRITE_DELETE',
          changes: overwriteChanges(targetId, before, undefined),
          fields: ['overwrites'],
        });
      }),
  };
}

async function checkTarget(tx: Transaction, guildId: string, target: OverwriteValues): Promise<void> {
  if (target.targetType === 'role') {
    const [role] = await tx
      .select({ id: roles.id })
      .from(roles)
      .where(and(eq(roles.id, target.targetId), eq(roles.guildId, guildId)));
    if (!role) throw notFound('Role');
  } else {
    const [member] = await tx
      .select({ userId: guildMembers.userId })
      .from(guildMembers)
      .where(memberIs(guildId, target.targetId))
      .for('share');
    if (!member) throw notFound('Member');
  }
}

/**
 * Audit changes of an overwrite: which target, and its allow and deny before and after (a side is
 * absent when the overwrite did not exist then).
 */
function overwriteChanges(
  targetId: string,
  before: OverwriteRow | undefined,
  after: OverwriteValues | undefined,
): AuditChangeRow[] {
  const side = (row: { targetType: string; allow: bigint; deny: bigint } | undefined) =>
    row ? { targetId, targetType: row.targetType, allow: row.allow, deny: row.deny } : undefined;
  const [b, a] = [side(before), side(after)];
  return (['targetId', 'targetType', 'allow', 'deny'] as const).map((key) => ({
    key,
    ...(b ? { before: b[key] } : {}),
    ...(a ? { after: a[key] } : {}),
  }));
}
