import type { Logger } from '@gochat/log';

type Step = { name: string; run: () => Promise<void> | void };

export interface ReadinessReport {
  ready: boolean;
  /** 'ok', or what went wrong. */
  checks: Record<string, string>;
  /** Facts worth seeing next to readiness that do not decide it (a worker's lag), by name. */
  details?: Record<string, unknown>;
}

/**
 * Owns a process's start and stop. Resources register their teardown as they are created; shutdown
 * marks the process not-ready first, then unwinds LIFO (HTTP and sockets, then the bus, then stores)
 * under one deadline. The result says whether the drain was clean: only a clean drain exits 0.
 */
export class Lifecycle {
  private readonly steps: Step[] = [];
  private readonly checks = new Map<string, () => Promise<void>>();
  private readonly details = new Map<string, () => unknown>();
  private readonly drainListeners: Array<() => void> = [];
  private shuttingDown: Promise<boolean> | undefined;
  draining = false;

  constructor(
    private readonly log: Logger,
    private readonly timeoutMs: number,
    /** Pause between failing readiness and tearing down; counts against the deadline. */
    private readonly drainDelayMs = 0,
  ) {}

  /** Registers a teardown step; steps run in reverse order of registration. */
  defer(name: string, run: Step['run']): void {
    this.steps.push({ name, run });
  }

  /** A dependency /ready must see answering (database, bus, cache). */
  addReadinessCheck(name: string, check: () => Promise<void>): void {
    this.checks.set(name, check);
  }

  /** A fact /ready reports under details.<name> (read synchronously, so keep it cheap). */
  addReadinessDetail(name: string, read: () => unknown): void {
    this.details.set(name, read);
  }

  /** Called synchronously when draining starts, before any teardown (e.g. to close sockets). */
  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  async readiness(): Promise<ReadinessReport> {
    const checks: ReadinessReport['checks'] = {};
    if (this.draining) return { ready: false, checks: { lifecycle: 'draining' } };
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2_000, `${name} did not answer in 2s`);
          checks[name] = 'ok';
        } catch (error) {
          checks[name] = error instanceof Error ? error.message : String(error);
        }
      }),
    );
    const ready = Object.values(checks).every((v) => v === 'ok');
    if (this.details.size === 0) return { ready, checks };
    return {
      ready,
      checks,
      details: Object.fromEntries([...this.details].map(([name, read]) => [name, read()])),
    };
  }

  /** Idempotent; resolves true when every step finished within the deadline without error. */
  shutdown(reason: string): Promise<boolean> {
    this.shuttingDown ??= this.runShutdown(reason);
    return this.shuttingDown;
  }

  private async runShutdown(reason: string): Promise<boolean> {
    this.draining = true;
    this.log.info({ reason }, 'shutdown: draining');
    for (const listener of this.drainListeners) listener();
    const deadline = Date.now() + this.timeoutMs;
    if (this.drainDelayMs > 0)
      await new Promise((r) => setTimeout(r, Math.min(this.drainDelayMs, this.timeoutMs)));
    let clean = true;
    for (const step of [...this.steps].reverse()) {
      const remaining = deadline - Date.now();
      try {
        if (remaining <= 0) throw new Error('deadline passed before it started');
        await withTimeout(Promise.resolve(step.run()), remaining, `did not finish within the deadline`);
      } catch (error) {
        clean = false;
        this.log.error({ step: step.name, err: error }, 'shutdown: step failed');
      }
    }
    this.log.info({ clean }, 'shutdown: done');
    return clean;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const TERMINATING_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * SIGTERM/SIGINT start a drain; the exit code reports whether it was clean. An uncaught exception or
 * an unhandled rejection exits 1: a crash is never reported as success.
 *
 * A second SIGTERM or SIGINT ends the process at once, whatever it is doing. JavaScript cannot promise
 * that: its handler needs a free event loop, and `process.exit()` runs exit hooks first, among them
 * pino's, which writes the buffered log lines synchronously and retries for as long as stdout is a full
 * pipe nobody reads (seen as a process that logged "second signal, exiting now" and lived two more
 * minutes). So the first signal removes the handlers, giving both signals back their default action:
 * the kernel ends the process on the next one (exit status 143 for SIGTERM, 130 for SIGINT).
 * docs/decisions/0030-second-signal-default-action.md.
 */
export function installProcessHandlers(lifecycle: Lifecycle, log: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    for (const name of TERMINATING_SIGNALS) process.removeListener(name, onSignal);
    log.info({ signal }, 'shutdown: signal received; a second SIGTERM or SIGINT ends the process at once');
    void lifecycle.shutdown(signal).then((clean) => process.exit(clean ? 0 : 1));
  };
  for (const name of TERMINATING_SIGNALS) process.on(name, onSignal);
  const crash = (kind: string) => (error: unknown) => {
    log.fatal({ err: error }, `${kind}: shutting down`);
    void lifecycle.shutdown(kind).finally(() => process.exit(1));
  };
  process.on('uncaughtException', crash('uncaughtException'));
  process.on('unhandledRejection', crash('unhandledRejection'));
}
