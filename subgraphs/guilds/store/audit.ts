import type { Transaction } from '@gochat/db';
import { auditLog } from '@gochat/drizzle';
import type { SnowflakeGenerator } from '@gochat/ids';

import type { AuditChangeRow } from './rows.ts';

export const AUDIT_ACTIONS = [
  'GUILD_UPDATE',
  'GUILD_OWNER_TRANSFER',
  'CHANNEL_CREATE',
  'CHANNEL_UPDATE',
  'CHANNEL_DELETE',
  'CHANNELS_REORDER',
  'OVERWRITE_UPDATE',
  'OVERWRITE_DELETE',
  'ROLE_CREATE',
  'ROLE_UPDATE',
  'ROLE_DELETE',
  'ROLES_REORDER',
  'MEMBER_ROLE_ADD',
  'MEMBER_ROLE_REMOVE',
  'MEMBER_UPDATE',
  'MEMBER_TIMEOUT',
  'MEMBER_KICK',
  // Written by the voice subgraph (subgraphs/voice/store/audit.ts).
  'MEMBER_VOICE_UPDATE',
  'MEMBER_VOICE_MOVE',
  'MEMBER_VOICE_DISCONNECT',
  'MEMBER_BAN_ADD',
  'MEMBER_BAN_REMOVE',
  'INVITE_CREATE',
  'INVITE_DELETE',
  'EMOJI_CREATE',
  'EMOJI_UPDATE',
  'EMOJI_DELETE',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditTarget = 'GUILD' | 'CHANNEL' | 'ROLE' | 'MEMBER' | 'INVITE' | 'EMOJI';

export interface AuditEntry {
  guildId: string;
  actorId: string;
  action: AuditAction;
  targetType: AuditTarget;
  targetId: string | null;
  changes?: AuditChangeRow[];
  reason?: string | null;
}

/** JSON has no bigint: permission bitfields are recorded as decimal strings. */
const jsonSafe = (value: unknown): unknown =>
  typeof value === 'bigint'
    ? value.toString()
    : value instanceof Date
      ? value.toISOString()
      : Array.isArray(value)
        ? value.map(jsonSafe)
        : value;

/** The fields whose value differs between before and after, for an audit entry. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): AuditChangeRow[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((key) => JSON.stringify(jsonSafe(before[key])) !== JSON.stringify(jsonSafe(after[key])))
    .map((key) => ({ key, before: jsonSafe(before[key]), after: jsonSafe(after[key]) }));
}

/** The changes a patch makes to a row: the patched fields whose value differs. */
export function patchChanges<T extends object>(row: T, patch: object): AuditChangeRow[] {
  const before: Record<string, unknown> = {};
  for (const key of Object.keys(patch)) before[key] = row[key as keyof T];
  return diff(before, { ...before, ...patch });
}

/** Records an audit entry inside the transaction that makes the change, so neither exists alone. */
export async function recordAudit(
  tx: Transaction,
  ids: SnowflakeGenerator,
  entry: AuditEntry,
): Promise<void> {
  await tx.insert(auditLog).values({
    id: ids.next(),
    guildId: entry.guildId,
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    changes: (entry.changes ?? []).map((c) => ({
      key: c.key,
      before: jsonSafe(c.before),
      after: jsonSafe(c.after),
    })),
    reason: entry.reason ?? null,
  });
}
