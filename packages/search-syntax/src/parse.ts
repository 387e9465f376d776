/**
 * Discord-style message search: `hello "exact words" -spam from:alice in:#general has:image
 * before:2026-02-01`. Pure and dependency-free: the search subgraph parses with it and the web
 * client runs the same code for autocomplete and to underline mistakes before sending.
 */
import { syntaxError, SearchSyntaxError } from './error.ts';
import type { Filter } from './filters.ts';
import { applyFilter, needsValue } from './filters.ts';
import { foldWords } from './fold.ts';
import type { RawToken } from './tokenize.ts';
import { splitFilter, tokenize } from './tokenize.ts';
import type { FilterKey, ParsedSearch, SearchOptions } from './types.ts';
import { FILTER_KEYS } from './types.ts';

const DEFAULTS = { maxLength: 512, maxTerms: 32, maxTokenLength: 100 };
/** Words in one phrase (quoted or excluded). */
export const MAX_PHRASE_WORDS = 10;
/** Distinct exclusions in one query. */
export const MAX_EXCLUDED = 8;

/**
 * Parses a search query, or throws a SearchSyntaxError naming the offending text. An empty or
 * blank query gives an empty search; whether to run it is the caller's decision.
 *
 * The limits bound the work a single query can cause on the server: its length, the number of
 * words to match, and the length of any one word (so 1,000 repeated characters fail fast).
 */
export function parseSearch(query: string, options: SearchOptions = {}): ParsedSearch {
  const maxLength = options.maxLength ?? DEFAULTS.maxLength;
  const maxTokenLength = options.maxTokenLength ?? DEFAULTS.maxTokenLength;
  if (query.length > maxLength)
    throw new SearchSyntaxError(
      `query is longer than ${maxLength} characters`,
      query.slice(0, 20),
      maxLength,
      query.length,
    );

  const search: ParsedSearch = {
    terms: [],
    phrases: [],
    excluded: [],
    from: [],
    mentions: [],
    mentionsEveryone: false,
    in: [],
    has: [],
  };
  const words = new WordLimit(options.maxTerms ?? DEFAULTS.maxTerms);

  for (const token of tokenize(query)) {
    if (token.unclosed) {
      const quote = token.start + token.text.indexOf('"');
      throw syntaxError('unbalanced quote', '"', quote);
    }
    if (token.text.length > maxTokenLength) {
      const kind = token.text.includes('"') ? 'phrase' : 'word';
      throw syntaxError(
        `${kind} is too long (at most ${maxTokenLength} characters)`,
        token.text,
        token.start,
      );
    }
    readToken(token, search, words);
  }
  search.terms = [...words.terms];
  search.phrases = [...words.phrases];
  search.excluded = [...words.excluded];
  return search;
}

function readToken(token: RawToken, search: ParsedSearch, words: WordLimit): void {
  const negated = token.text.startsWith('-');
  const body = negated ? token.text.slice(1) : token.text;
  const bodyStart = token.start + (negated ? 1 : 0);

  const filter = splitFilter(body);
  if (filter) {
    const keyText = `${filter.key}:`;
    const key = FILTER_KEYS.find((known) => known === filter.key.toLowerCase());
    if (!key) throw syntaxError(`unknown filter '${keyText}'`, keyText, bodyStart);
    // Silently searching for the words "from alice" would answer a different question.
    if (negated) throw syntaxError(`filters can't be excluded: '-${keyText}'`, `-${keyText}`, token.start);
    if (filter.value === '' || filter.value === '""') throw needsValue(key, token);
    applyFilter(search, toFilter(key, filter.value, token));
    return;
  }

  const quoted = body.startsWith('"');
  // The tokenizer ends a quoted token at its closing quote, so the quotes are its first and last characters.
  const pieces = foldWords(quoted ? body.slice(1, -1) : body);
  if (pieces.length === 0) return; // a lone '-', '***', '""': nothing to search for
  // Long phrases and many exclusions cost the index the most (bench:search): bounded like Discord's.
  if ((quoted || negated) && pieces.length > MAX_PHRASE_WORDS)
    throw syntaxError(
      `phrase has too many words (at most ${MAX_PHRASE_WORDS})`,
      token.text,
      token.start,
      token.end,
    );
  if (negated && words.excluded.size >= MAX_EXCLUDED && !words.excluded.has(pieces.join(' ')))
    throw syntaxError(`too many exclusions (at most ${MAX_EXCLUDED})`, token.text, token.start, token.end);
  if (negated) words.add(words.excluded, pieces.join(' '), token);
  else if (quoted) words.add(words.phrases, pieces.join(' '), token);
  else for (const piece of pieces) words.add(words.terms, piece, token);
}

function toFilter(key: FilterKey, raw: string, token: RawToken): Filter {
  return { key, raw, start: token.end - raw.length, end: token.end, token };
}

/** Distinct terms, phrases and exclusions, at most `max` of them together. */
class WordLimit {
  readonly terms = new Set<string>();
  readonly phrases = new Set<string>();
  readonly excluded = new Set<string>();

  constructor(private readonly max: number) {}

  add(list: Set<string>, word: string, token: RawToken): void {
    if (list.has(word)) return;
    if (this.terms.size + this.phrases.size + this.excluded.size >= this.max)
      throw syntaxError(`too many words (at most ${this.max})`, token.text, token.start, token.end);
    list.add(word);
  }
}
