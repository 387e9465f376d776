/**
 * Full-jitter exponential backoff (a random delay in [0, min(max, base * 2^attempt)]): reconnecting
 * clients spread out instead of stampeding a restarted router together.
 */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** graphql-ws retryWait built on fullJitterDelay. */
export function jitteredRetryWait(baseMs: number, maxMs: number) {
  return (attempt: number): Promise<void> =>
    new Promise((resolve) => setTimeout(resolve, fullJitterDelay(attempt, baseMs, maxMs)));
}
