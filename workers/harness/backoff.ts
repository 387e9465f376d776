/**
 * The delay before delivery `deliveries + 1` of an event that failed: exponential from baseMs, capped
 * at maxMs, with "equal jitter" (half fixed, half random) so failing events of one batch spread out
 * instead of coming back together.
 */
export function retryDelay(
  deliveries: number,
  settings: { retryBaseMs: number; retryMaxMs: number },
  random: () => number = Math.random,
): number {
  const exponential = settings.retryBaseMs * 2 ** Math.max(0, deliveries - 1);
  const capped = Math.min(settings.retryMaxMs, exponential);
  return Math.round(capped / 2 + (random() * capped) / 2);
}
