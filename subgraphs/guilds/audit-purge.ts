import { schedulePeriodic, type PeriodicJob } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';

export interface AuditPurgeOptions {
  /** Deletes entries created before the instant; returns how many (the store's purgeAuditLog). */
  purge: (olderThan: Date) => Promise<number>;
  log: Logger;
  /** How long entries are kept. */
  retentionDays?: number;
  /** How often the purge runs. */
  intervalMs?: number;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/** Keeps the audit log to its retention (45 days): purges once right away, then every interval. */
export function scheduleAuditPurge(options: AuditPurgeOptions): PeriodicJob {
  const { purge, log, retentionDays = 45, intervalMs = 3_600_000, now = () => new Date() } = options;
  return schedulePeriodic({
    name: 'audit log purge',
    run: () => purge(new Date(now().getTime() - retentionDays * DAY_MS)),
    log,
    intervalMs,
  });
}
