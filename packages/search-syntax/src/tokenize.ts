/**
 * Splitting a query into tokens, shared by the parser (strict, via its own checks) and by `tokenAt`
 * (lenient, on half-typed input), so autocomplete sees exactly the tokens the parser will.
 */

/** A piece of a query with its [start, end) offsets, in UTF-16 code units like a textarea's selection. */
export interface RawToken {
  text: string;
  start: number;
  end: number;
  /** A quote opened in this token never closed: the token runs to the end of the query. */
  unclosed: boolean;
}

const SPACE = /\p{White_Space}/u;
/** What may stand before a token's quoted part: nothing, '-', 'key:' or '-key:'. */
const QUOTE_PREFIX = /^-?(?:[A-Za-z]+:)?$/;
const FILTER_KEY = /^[A-Za-z]+:/;

export function isSpace(char: string | undefined): boolean {
  return char !== undefined && SPACE.test(char);
}

/**
 * Tokens are separated by Unicode whitespace. A double quote at the start of a token, or right after
 * its '-' or 'key:' prefix, opens a quoted part that ends at the next double quote; the token ends
 * there too, so `"a b"c` is the phrase "a b" then the word c. A quote inside a word ends that word
 * and starts a token of its own (`say"hi there"` is say, then "hi there"). Never throws: an unclosed
 * quote is reported on the token, which the parser rejects and autocomplete accepts.
 */
export function tokenize(query: string): RawToken[] {
  const tokens: RawToken[] = [];
  let i = 0;
  while (i < query.length) {
    if (isSpace(query[i])) {
      i++;
      continue;
    }
    const start = i;
    while (i < query.length && !isSpace(query[i]) && query[i] !== '"') i++;
    if (query[i] === '"' && QUOTE_PREFIX.test(query.slice(start, i))) {
      const close = query.indexOf('"', i + 1);
      const end = close === -1 ? query.length : close + 1;
      tokens.push({ text: query.slice(start, end), start, end, unclosed: close === -1 });
      i = end;
    } else {
      tokens.push({ text: query.slice(start, i), start, end: i, unclosed: false });
    }
  }
  return tokens;
}

/**
 * `key:value` when the key is ASCII letters, else null. A URL (`https://example.com`) is not a
 * filter, and neither is `3:2`: those are plain words. The key and value are returned as written.
 */
export function splitFilter(text: string): { key: string; value: string } | null {
  const match = FILTER_KEY.exec(text);
  if (!match) return null;
  const value = text.slice(match[0].length);
  if (value.startsWith('//')) return null;
  return { key: match[0].slice(0, -1), value };
}

/** `"text"` → `text`; also strips a lone opening quote, as in a half-typed `"text`. */
export function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  return text.length > 1 && text.endsWith('"') ? text.slice(1, -1) : text.slice(1);
}
