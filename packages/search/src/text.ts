import { foldWords } from '@gochat/search-syntax';

import { HAS_KINDS, type HasKind, type Highlight } from './port.ts';

/**
 * The words of a text as search sees them: folded for case and accents, split on everything that is
 * not a letter or digit. The query parser splits the same way, so `example.com/a`, `<@123>` and
 * `don't` are found by any of their pieces, and `*`, `?` or regex characters mean nothing.
 */
export function searchableText(content: string): string {
  return foldWords(content).join(' ');
}

/** has_flags bits: one per kind, in HAS_KINDS order. */
export function hasMask(kinds: readonly HasKind[]): number {
  return kinds.reduce((mask, kind) => mask | (1 << HAS_KINDS.indexOf(kind)), 0);
}

const LINK = /\bhttps?:\/\/[^\s<>]+/i;

/** What a message has, from its content and attachments' content types (embeds come with link previews). */
export function hasKindsOf(
  content: string,
  attachments: readonly { contentType: string }[],
  embeds = 0,
): HasKind[] {
  const kinds: HasKind[] = [];
  if (LINK.test(content)) kinds.push('link');
  if (attachments.length > 0) kinds.push('file');
  if (attachments.some((a) => a.contentType.startsWith('image/'))) kinds.push('image');
  if (attachments.some((a) => a.contentType.startsWith('video/'))) kinds.push('video');
  if (embeds > 0) kinds.push('embed');
  return kinds;
}

/** Markers around matches in highlighter output (control characters never stored in content). */
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';

/** A highlighter's marked fragment as text plus matched ranges. */
export function parseMarked(marked: string): Highlight {
  let text = '';
  const ranges: [number, number][] = [];
  let start = -1;
  for (const char of marked) {
    if (char === MATCH_START) start = text.length;
    else if (char === MATCH_END) {
      if (start >= 0 && text.length > start) ranges.push([start, text.length]);
      start = -1;
    } else text += char;
  }
  return { text, ranges };
}
