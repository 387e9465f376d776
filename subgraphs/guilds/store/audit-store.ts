import { queryRows, type Database } from '@gochat/db';
import { auditLog } from '@gochat/drizzle';
import type { SnowflakeGenerator } from '@gochat/ids';
import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';

import type { AuditAction } from './audit.ts';
import { pageOf, type AuditRow, type Page } from './rows.ts';

export interface AuditQuery {
  guildId: string;
  first: number;
  /** Only entries older than this entry id. */
  before?: string | undefined;
  action?: AuditAction | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
}

/** Reading the audit log, and its retention. Entries are written by each area with recordAudit (./audit.ts). */
export function auditStore(db: Database, ids: SnowflakeGenerator) {
  void ids;
  return {
    /** Newest first, served by the (guild_id, id desc) index; filters narrow it down. */
    async auditPage(query: AuditQuery): Promise<Page<AuditRow>> {
      const conditions: SQL[] = [eq(auditLog.guildId, query.guildId)];
      if (query.before) conditions.push(lt(auditLog.id, query.before));
      if (query.action) conditions.push(eq(auditLog.action, query.action));
      if (query.actorId) conditions.push(eq(auditLog.actorId, query.actorId));
      if (query.targetId) conditions.push(eq(auditLog.targetId, query.targetId));
      const rows = await db
        .select()
        .from(auditLog)
        .where(and(...conditions))
        .orderBy(desc(auditLog.id))
        .limit(query.first + 1);
      return pageOf(rows, query.first, (r) => r.id);
    },

    /** Deletes every entry created before `olderThan`; returns how many. */
    async purgeAuditLog(olderThan: Date): Promise<number> {
      const rows = await queryRows<{ n: number | string }>(
        db,
        sql`/* guilds.purgeAuditLog */
          with purged as (delete from ${auditLog} where ${auditLog.createdAt} < ${olderThan.toISOString()} returning 1)
          select count(*)::int as n from purged`,
      );
      return Number(rows[0]?.n ?? 0);
    },
  };
}
