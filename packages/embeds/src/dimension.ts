/** Larger numbers in width/height attributes are typos or attacks, not pictures. */
const MAX_DIMENSION = 100_000;

/** A positive integer width or height as pages and providers write it (`1200`, `1200px`, `1200.5`), or undefined. */
export function parseDimension(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^\s*(\d{1,7})/.exec(raw);
  if (!match) return undefined;
  const value = Number(match[1]);
  return value > 0 && value <= MAX_DIMENSION ? value : undefined;
}
