import { SafeFetchError } from './errors.ts';

export interface Deadline {
  /** Aborts at the total timeout or when a caller's signal does; its reason is a SafeFetchError. */
  signal: AbortSignal;
  dispose(): void;
}

/**
 * One fetch's whole life, redirects and body included, under a single clock: a server that sends
 * headers and then one byte a second still ends at `totalTimeoutMs`.
 */
export function startDeadline(
  url: string,
  totalTimeoutMs: number,
  callerSignals: (AbortSignal | undefined)[],
) {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new SafeFetchError('TIMEOUT', url, `the fetch took longer than ${totalTimeoutMs} ms`));
  }, totalTimeoutMs);
  const onCallerAbort = () => controller.abort(new SafeFetchError('ABORTED', url, 'the fetch was aborted'));
  const signals = callerSignals.filter((signal) => signal !== undefined);
  for (const signal of signals) {
    if (signal.aborted) onCallerAbort();
    else signal.addEventListener('abort', onCallerAbort, { once: true });
  }
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', onCallerAbort);
    },
  } satisfies Deadline;
}
