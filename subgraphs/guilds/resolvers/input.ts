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

/** A voice region id (a channel's or the guild's): 1-64 characters, trimmed. */
const voiceRegion = z.string().trim().min(1, 'must not be empty').max(64, 'at most 64 characters');

/** A voice region argument, validated; null stays null (automatic, or the guild's for a channel). */
export const parseVoiceRegion = (value: string | null, field: string): string | null =>
  value === null ? null : parseInput(voiceRegion, value, field);

/** A decimal permission bitfield argument: VALIDATION when malformed or carrying unknown bits. */
export function parseBits(value: string, field: string): bigint {
  const bits = parseBitfield(value);
  if (bits === undefined) throw validation(`${field}: not a bitfield of known permissions`, field);
  return bits;
}
