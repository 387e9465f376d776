/**
 * Length and truncation in Unicode code points (what Go calls runes), so a limit of 256 allows 256
 * emoji as well as 256 letters, and truncation never splits a surrogate pair.
 */

/** Counts code points without allocating: a lone surrogate counts as one. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** The UTF-16 offset just after the first `count` code points of `text` (or its length). */
function offsetOfCodePoint(text: string, count: number): number {
  let i = 0;
  for (let seen = 0; seen < count && i < text.length; seen++) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    i += unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return i;
}

/**
 * `text` cut to at most `max` code points; a cut text ends with '…' (inside the limit) so a reader
 * sees that something is missing.
 */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  // Cheap exits first: a string of at most `max` UTF-16 units has at most `max` code points.
  if (text.length <= max || codePointLength(text) <= max) return text;
  return text.slice(0, offsetOfCodePoint(text, max - 1)).trimEnd() + '…';
}

/** One line of display text: runs of whitespace (newlines included) become one space. */
export function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Display text that may keep its line breaks: CRLF becomes LF, blank-line runs and spaces shrink. */
export function multiLine(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
