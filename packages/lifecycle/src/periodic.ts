import type { Logger } from '@gochat/log';

export interface PeriodicJobOptions {
  /** Names the job in logs. */
  name: string;
  /** One run; resolves with how many things it did (logged when above 0). */
  run: () => Promise<number>;
  log: Logger;
  intervalMs: number;
}

export interface PeriodicJob {
  /** One run now, or the run in progress; resolves with its count (0 when it failed: failures are logged). */
  runOnce(): Promise<number>;
  /** Stops the schedule (a run in progress finishes on its own). */
  stop(): void;
}

/**
 * Runs a background job once right away, then every interval. The timers never keep the process alive,
 * runs never overlap, and a failed run is logged, not thrown: the next one catches up.
 */
export function schedulePeriodic(options: PeriodicJobOptions): PeriodicJob {
  const { name, run, log, intervalMs } = options;
  let running: Promise<number> | undefined;
  let stopped = false;

  const attempt = async (): Promise<number> => {
    try {
      const done = await run();
      if (done > 0) log.info({ job: name, done }, `${name}: done`);
      return done;
    } catch (error) {
      log.error({ err: error, job: name }, `${name}: failed, will retry`);
      return 0;
    }
  };

  const runOnce = (): Promise<number> => {
    if (running) return running;
    const current = attempt();
    running = current;
    // attempt never rejects; clear only our own run, once it is over.
    void current.then(() => {
      if (running === current) running = undefined;
    });
    return current;
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
