/**
 * 64-bit time-ordered ids, Discord layout: 42 bits of milliseconds since EPOCH, 10 bits of worker id,
 * 12 bits of per-millisecond sequence. Distinct worker ids make ids unique across processes.
 */
export const EPOCH_MS = 1_704_067_200_000n; // 2024-01-01T00:00:00Z
const WORKER_BITS = 10n;
const SEQUENCE_BITS = 12n;
const MAX_SEQUENCE = (1n << SEQUENCE_BITS) - 1n;
export const MAX_WORKER_ID = Number((1n << WORKER_BITS) - 1n);

export interface SnowflakeGenerator {
  /** A new id as a decimal string (GraphQL ID / JSON safe). */
  next(): string;
  nextBigInt(): bigint;
}

export function createSnowflakeGenerator(workerId: number, now: () => number = Date.now): SnowflakeGenerator {
  if (!Number.isInteger(workerId) || workerId < 0 || workerId > MAX_WORKER_ID)
    throw new RangeError(`workerId must be an integer in 0..${MAX_WORKER_ID}`);
  const worker = BigInt(workerId) << SEQUENCE_BITS;
  let lastMs = -1n;
  let sequence = 0n;

  const nextBigInt = (): bigint => {
    let ms = BigInt(now());
    // A clock that steps back must not produce duplicates: keep issuing from the last millisecond.
    if (ms < lastMs) ms = lastMs;
    if (ms === lastMs) {
      sequence = (sequence + 1n) & MAX_SEQUENCE;
      if (sequence === 0n) ms = lastMs + 1n; // sequence exhausted: borrow the next millisecond
    } else {
      sequence = 0n;
    }
    lastMs = ms;
    return ((ms - EPOCH_MS) << (WORKER_BITS + SEQUENCE_BITS)) | worker | sequence;
  };
  return { nextBigInt, next: () => nextBigInt().toString() };
}

/** The creation time encoded in an id. */
export function snowflakeTime(id: string | bigint): Date {
  const value = typeof id === 'bigint' ? id : BigInt(id);
  return new Date(Number((value >> (WORKER_BITS + SEQUENCE_BITS)) + EPOCH_MS));
}

/** True for a decimal string that fits a positive signed 64-bit integer. */
export function isSnowflake(value: string): boolean {
  if (!/^\d{1,19}$/.test(value)) return false;
  return BigInt(value) <= 0x7fff_ffff_ffff_ffffn;
}

/** The smallest id made at or after this instant (0 before the epoch): time filters as id ranges. */
export function snowflakeAt(time: Date): string {
  const ms = BigInt(Math.floor(time.getTime())) - EPOCH_MS;
  return ms <= 0n ? '0' : (ms << (WORKER_BITS + SEQUENCE_BITS)).toString();
}
