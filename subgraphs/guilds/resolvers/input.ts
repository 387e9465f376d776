import { parseInput, validation } from '@gochat/errors';
import { parseBitfield } from '@gochat/permissions';
import { z } from 'zod';

/** An audit log reason: up to 512 characters (Discord's), trimmed; blank means none. */
const reason = z
  .string()
  .trim()
  .max(512, 'at most 512 characters')
  .nullish()
  .transform((v) => v || null);

export const parseReason = (value: string | null | undefined): string | null =>
  parseInput(reason, value, 'reason');

/** A decimal permission bitfield argument: VALIDATION when malformed or carrying unknown bits. */
export function parseBits(value: string, field: string): bigint {
  const bits = parseBitfield(value);
  if (bits === undefined) throw validation(`${field}: not a bitfield of known permissions`, field);
  return bits;
}
