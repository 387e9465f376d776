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

export interface AuditPurge {
  /** One purge now; resolves with how many entries went (0 when it failed: failures are logged). */
  runOnce(): Promise<number>;
  /** Stops the schedule (a run in progress finishes on its own). */
  stop(): void;
}

const DAY_MS = 86_400_000;

/**
 * Keeps the audit log to its retention (45 days): purges once right away, then every interval. The
 * timers never keep the process alive, runs never overlap, and a failed run is logged, not thrown:
 * the next one catches up.
 */
export function scheduleAuditPurge(options: AuditPurgeOptions): AuditPurge {
  const { purge, log, retentionDays = 45, intervalMs = 3_600_000, now = () => new Date() } = options;
  let running: Promise<number> | undefined;
  let stopped = false;

  const purgeNow = async (): Promise<number> => {
    const olderThan = new Date(now().getTime() - retentionDays * DAY_MS);
    try {
      const purged = await purge(olderThan);
      if (purged > 0)
        log.info({ purged, olderThan: olderThan.toISOString() }, 'audit log: purged old entries');
      return purged;
    } catch (error) {
      log.error({ err: error }, 'audit log: purge failed, will retry');
      return 0;
    }
  };

  const runOnce = (): Promise<number> => {
    if (running) return running;
    const run = purgeNow();
    running = run;
    // purgeNow never rejects; clear only our own run, once it is over.
    void run.then(() => {
      if (running === run) running = undefined;
    });
    return run;
  };

  const tick = () => {
    if (!stopped) void runOnce();
  };
  const first = setTimeout(tick, 0);
  first.unref();
  const timer = setInterval(tick, intervalMs);
  timer.unref();

  return {
    runOnce,
    stop: () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
