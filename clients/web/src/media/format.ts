/** 1,234,567 bytes → "1.2 MB": decimal units, as file managers show them. */
export function humanSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit++;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Up to two letters of a name: "Ada Lovelace" → "AL", "gochat" → "G". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words.at(-1)!] : words;
  return letters.map((w) => [...w][0]!.toUpperCase()).join('') || '?';
}

/** Fits width x height inside maxWidth x maxHeight, never enlarging. */
export function fitInside(
  width: number,
  height: number,
  maxWidth: number,
  maxHeight: number,
): { width: number; height: number } {
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

const ADMINISTRATOR = 1n << 3n;
export const MANAGE_GUILD = 1n << 5n;
export const MANAGE_EMOJIS = 1n << 30n;
export const MANAGE_MESSAGES = 1n << 13n;

/** Whether a decimal permission bitfield (the API's form) holds the permission, or ADMINISTRATOR. */
export function hasPermission(bitfield: string | null | undefined, permission: bigint): boolean {
  if (!bitfield) return false;
  try {
    const bits = BigInt(bitfield);
    return (bits & ADMINISTRATOR) !== 0n || (bits & permission) === permission;
  } catch {
    return false;
  }
}
