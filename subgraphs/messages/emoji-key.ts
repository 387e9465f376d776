import { validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';

/** A reaction's emoji: exactly one of the two is set (the GraphQL ReactionEmoji and event payload shape). */
export interface Emoji {
  unicode: string | null;
  emojiId: string | null;
}

/** At most this many code points in a Unicode emoji (the longest ZWJ and tag sequences fit). */
export const MAX_UNICODE_EMOJI_LENGTH = 32;

// One emoji, as Unicode composes them: a pictograph with an optional presentation selector or skin
// tone (and tag characters, for subdivision flags), joined by ZWJ into sequences; a pair of
// regional indicators (a flag); or a keycap.
const PICTOGRAPH = String.raw`\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?[\u{E0020}-\u{E007E}]*\u{E007F}?`;
const ZWJ_SEQUENCE = String.raw`${PICTOGRAPH}(?:\u200D${PICTOGRAPH})*`;
const FLAG = String.raw`\p{Regional_Indicator}{2}`;
const KEYCAP = String.raw`[0-9#*]\uFE0F?\u20E3`;
const ONE_EMOJI = new RegExp(String.raw`^(?:${ZWJ_SEQUENCE}|${FLAG}|${KEYCAP})$`, 'u');

/** Whether the text is exactly one Unicode emoji (plain text, several emoji, or stray marks are not). */
export function isUnicodeEmoji(text: string): boolean {
  const length = [...text].length;
  return length >= 1 && length <= MAX_UNICODE_EMOJI_LENGTH && ONE_EMOJI.test(text);
}

/**
 * The emoji a ReactionEmojiInput names: exactly one of `unicode` (one Unicode emoji) and `emojiId`
 * (a snowflake; whether it exists is the caller's concern). VALIDATION otherwise, naming the field.
 */
export function parseEmoji(
  input: { unicode?: string | null; emojiId?: string | null },
  field = 'emoji',
): Emoji {
  const { unicode, emojiId } = input;
  const given = (unicode != null ? 1 : 0) + (emojiId != null ? 1 : 0);
  if (given !== 1) throw validation(`${field}: give exactly one of unicode and emojiId`, field);
  if (emojiId != null) {
    if (!isSnowflake(emojiId)) throw validation(`${field}.emojiId: not a valid id`, `${field}.emojiId`);
    return { unicode: null, emojiId };
  }
  const text = unicode ?? '';
  if (!isUnicodeEmoji(text))
    throw validation(
      `${field}.unicode: must be one Unicode emoji of at most ${MAX_UNICODE_EMOJI_LENGTH} characters`,
      `${field}.unicode`,
    );
  return { unicode: text, emojiId: null };
}

/** The stored reactions.emoji_key: 'u:<unicode>' or 'c:<custom emoji id>'. */
export const emojiKey = (emoji: Emoji): string =>
  emoji.emojiId !== null ? `c:${emoji.emojiId}` : `u:${emoji.unicode ?? ''}`;

/** The emoji of a stored key (the inverse of emojiKey). */
export function emojiOfKey(key: string): Emoji {
  if (key.startsWith('c:')) return { unicode: null, emojiId: key.slice(2) };
  if (key.startsWith('u:')) return { unicode: key.slice(2), emojiId: null };
  throw new Error(`not an emoji key: ${key}`);
}
