/** The values `has:` accepts. */
export const HAS_VALUES = ['link', 'file', 'image', 'video', 'embed'] as const;
export type HasValue = (typeof HAS_VALUES)[number];

/** Every filter key, lower-case; keys are matched case-insensitively. Also the list autocomplete offers. */
export const FILTER_KEYS = ['from', 'mentions', 'in', 'has', 'before', 'after', 'during', 'pinned'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/**
 * A user or channel as the query names it; the server resolves it. `kind: 'id'` for the `<@123>`,
 * `<@!123>` and `<#123>` forms (value is the id), else a handle, display name or channel name as
 * written, without its `@` or `#` and, when quoted, with its whitespace collapsed. `start`/`end`
 * are the value's offsets in the query (after `key:`, quotes included) so a client can mark it.
 */
export interface NameRef {
  value: string;
  kind: 'name' | 'id';
  start: number;
  end: number;
}

export interface ParsedSearch {
  /** Words that must all occur, folded, split on anything but letters and digits, deduplicated. */
  terms: string[];
  /** Quoted phrases, folded, as words joined by one space; a one-word phrase is still a phrase. */
  phrases: string[];
  /** `-word` and `-"phrase"`, normalised like phrases: `-hello-world` excludes "hello world". */
  excluded: string[];
  from: NameRef[];
  mentions: NameRef[];
  /** `mentions:everyone` or `mentions:here`. */
  mentionsEveryone: boolean;
  in: NameRef[];
  /** Deduplicated, in the order first given. */
  has: HasValue[];
  /** Messages strictly before this instant (a UTC midnight). */
  before?: Date;
  /** Messages at or after this instant (a UTC midnight): `after:` a day means once it has ended. */
  after?: Date;
  pinned?: boolean;
}

export interface SearchOptions {
  /** Longest query accepted, in UTF-16 code units. Default 512. */
  maxLength?: number;
  /** Most distinct terms + phrases + excluded entries. Default 32. */
  maxTerms?: number;
  /** Longest single token (a word, a quoted phrase, a filter with its value). Default 100. */
  maxTokenLength?: number;
  /**
   * Accepted for callers that pass the request time; no rule reads it yet: dates are absolute UTC
   * days, so parsing stays a pure function of the query.
   */
  now?: Date;
}
