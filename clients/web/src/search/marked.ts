/** A piece of text, marked when it is a match. */
export interface Segment {
  text: string;
  marked: boolean;
}

/**
 * Splits `text` at [start, end) ranges (UTF-16 offsets) into plain and marked pieces, for rendering
 * as text and <mark> elements. Ranges that are out of bounds, empty or overlap an earlier one are
 * clipped or skipped: what the server sends is never trusted to be well-formed.
 */
export function segments(text: string, ranges: readonly (readonly number[])[]): Segment[] {
  const sorted = ranges
    .map(([start = 0, end = 0]) => [Math.max(0, start), Math.min(text.length, end)] as const)
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0]);
  const pieces: Segment[] = [];
  let at = 0;
  for (const [start, end] of sorted) {
    if (end <= at) continue;
    const from = Math.max(start, at);
    if (from > at) pieces.push({ text: text.slice(at, from), marked: false });
    const last = pieces.at(-1);
    // Ranges that touch make one mark.
    if (last?.marked && from === at) last.text += text.slice(from, end);
    else pieces.push({ text: text.slice(from, end), marked: true });
    at = end;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), marked: false });
  return pieces;
}
