import { isSnowflake } from '@gochat/ids';

/**
 * Custom emoji written in a message's content, in Discord's syntax: `<:name:id>`, and `<a:name:id>`
 * for an animated one. A name is 2-32 letters, digits or underscores; the id a snowflake. Anything
 * else (a bad name, a missing or invalid id) is no tag and stays text as written.
 */
const TAG = /<(a?):(\w{2,32}):(\d{1,25})>/g;

/** A custom emoji tag's id when it is a valid snowflake (leading zeros are no id). */
const tagId = (digits: string): string | undefined =>
  isSnowflake(digits) && !digits.startsWith('0') ? digits : undefined;

/** The distinct emoji ids of the well-formed tags in the content, in order of first appearance. */
export function customEmojiIds(content: string): string[] {
  const ids = new Set<string>();
  for (const [, , , digits] of content.matchAll(TAG)) {
    const id = digits && tagId(digits);
    if (id) ids.add(id);
  }
  return [...ids];
}

/**
 * The content with each well-formed tag of an emoji the sender may not use (not in `usable`: unknown,
 * or of a guild they are not a member of) rewritten to `:name:`, as GoChat shows it; other tags and
 * the rest of the text stay as written.
 */
export function rewriteCustomEmoji(content: string, usable: ReadonlySet<string>): string {
  return content.replace(TAG, (tag, _animated: string, name: string, digits: string) => {
    const id = tagId(digits);
    if (!id || usable.has(id)) return tag;
    return `:${name}:`;
  });
}
