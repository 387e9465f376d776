import type { Transaction } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';
import { sql } from 'drizzle-orm';

/**
 * Voice moderation goes to the guild's audit log (the guilds subgraph's table, which shows it;
 * written here in the transaction of the change, as every domain that moderates does).
 */
export type VoiceAuditAction = 'MEMBER_VOICE_UPDATE' | 'MEMBER_VOICE_MOVE' | 'MEMBER_VOICE_DISCONNECT';

export interface VoiceAuditEntry {
  guildId: string;
  actorId: string;
  action: VoiceAuditAction;
  targetUserId: string;
  changes: { key: string; before: unknown; after: unknown }[];
  reason: string | null;
}

export async function recordVoiceAudit(
  tx: Transaction,
  ids: SnowflakeGenerator,
  entry: VoiceAuditEntry,
): Promise<void> {
  await tx.execute(
    sql`insert into audit_log (id, guild_id, actor_id, action, target_type, target_id, changes, reason)
        values (${ids.next()}::bigint, ${entry.guildId}::bigint, ${entry.actorId}, ${entry.action}, 'MEMBER',
                ${entry.targetUserId}, ${JSON.stringify(entry.changes)}::jsonb, ${entry.reason})`,
  );
}
