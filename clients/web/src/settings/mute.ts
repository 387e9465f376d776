import type { Settings } from './types.ts';

type Mutable = Pick<Settings['guilds'][number], 'muted' | 'muteEndsAt'>;

/** Whether a mute holds now (a timed one ends by itself). */
export function mutedNow(entry: Mutable | undefined, now = Date.now()) {
  if (!entry?.muted) return false;
  return !entry.muteEndsAt || Date.parse(entry.muteEndsAt) > now;
}
