/**
 * Autocomplete helpers for the web client: which token is the text cursor in, and how to swap it
 * for a suggestion. They accept half-typed input (`from:"Bob Sm`) and never throw on it.
 */
import { isSpace, splitFilter, tokenize, unquote } from './tokenize.ts';

export interface TokenAtCursor {
  /** The filter key, lower-case (`from`), or null for a plain word or phrase. */
  key: string | null;
  /** What has been typed as the value (or the word): quotes removed, and `@`/`#` for from/mentions/in. */
  value: string;
  /** The whole token's offsets, to pass to replaceToken. */
  start: number;
  end: number;
}

const SIGILS: Record<string, string> = { from: '@', mentions: '@', in: '#' };

/**
 * The token the cursor is inside or just after ('hello from:ali|' → from / ali), or null when the
 * cursor touches no token: on whitespace, or right before a token's first character.
 */
export function tokenAt(query: string, cursor: number): TokenAtCursor | null {
  if (!Number.isInteger(cursor) || cursor < 0 || cursor > query.length) return null;
  const token = tokenize(query).find((t) => t.start < cursor && cursor <= t.end);
  if (!token) return null;
  const { start, end } = token;
  const filter = splitFilter(token.text);
  if (!filter) return { key: null, value: unquote(token.text), start, end };
  const key = filter.key.toLowerCase();
  const sigil = SIGILS[key];
  const value =
    sigil !== undefined && filter.value.startsWith(sigil) ? filter.value.slice(1) : unquote(filter.value);
  return { key, value, start, end };
}

/**
 * Replaces a token (from tokenAt) with `replacement` and leaves one space after it, with the cursor
 * past that space, ready for the next word. An existing space after the token is reused, not doubled.
 */
export function replaceToken(
  query: string,
  token: { start: number; end: number },
  replacement: string,
): { query: string; cursor: number } {
  const { start, end } = token;
  if (!(
    Number.isInteger(start) &&
    Number.isInteger(end) &&
    0 <= start &&
    start <= end &&
    end <= query.length
  ))
    throw new RangeError(`token [${start}, ${end}) is not inside the query`);
  const rest = query.slice(end);
  const after = isSpace(rest[0]) ? rest : ` ${rest}`;
  return { query: query.slice(0, start) + replacement + after, cursor: start + replacement.length + 1 };
}
