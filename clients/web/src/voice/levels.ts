/**
 * The arithmetic of the microphone's capture pipeline (capture.ts), kept apart from Web Audio so it
 * can be tested: the input volume as a gain, a block of samples as a level in dB, and the voice
 * activity gate (Discord's input sensitivity) that decides when the microphone is sent.
 */

/** The quietest level reported: digital silence (and anything below) reads as this. */
export const FLOOR_DB = -100;
/** How long the gate stays open after the level fell below the threshold, so words are not cut. */
export const GATE_HANG_MS = 300;

/** The input volume setting (percent, 0-200) as a linear gain; out-of-range values are clamped. */
export function inputGain(percent: number): number {
  if (!Number.isFinite(percent)) return 1;
  return Math.min(200, Math.max(0, percent)) / 100;
}

/** Root mean square of a block of samples (-1..1); 0 for an empty block. */
export function rms(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length);
}

/** A linear level (RMS, 1 = full scale) in dBFS, never below FLOOR_DB and never above 0. */
export function toDecibels(level: number): number {
  if (!(level > 0)) return FLOOR_DB;
  return Math.min(0, Math.max(FLOOR_DB, 20 * Math.log10(level)));
}

/** A level in dB as a fraction of a meter's width (FLOOR_DB: 0, 0 dB: 1). */
export function meterFraction(db: number): number {
  return Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
}

/** The gate between two blocks: whether it is open, and when the level was last loud enough. */
export interface GateState {
  open: boolean;
  /** performance.now() of the last block at or above the threshold; -Infinity: never. */
  lastLoudAt: number;
}

export const GATE_CLOSED: GateState = { open: false, lastLoudAt: -Infinity };

/**
 * The gate after one block at `db`, measured at `now` (ms). Without a threshold (null: the automatic
 * setting) it is always open, as before sensitivity existed. With one it opens at once on a block at
 * or above it and closes only after `hangMs` below it.
 */
export function stepGate(
  state: GateState,
  db: number,
  threshold: number | null,
  now: number,
  hangMs = GATE_HANG_MS,
): GateState {
  if (threshold === null) return { open: true, lastLoudAt: now };
  const lastLoudAt = db >= threshold ? now : state.lastLoudAt;
  return { open: now - lastLoudAt < hangMs, lastLoudAt };
}
