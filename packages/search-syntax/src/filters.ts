/**
 * The meaning of each `key:value` filter. Values arrive as written (quotes included) with their
 * offsets, so every error can point at the exact text that is wrong.
 */
import { syntaxError } from './error.ts';
import type { RawToken } from './tokenize.ts';
import { unquote } from './tokenize.ts';
import type { FilterKey, HasValue, NameRef, ParsedSearch } from './types.ts';
import { HAS_VALUES } from './types.ts';

export interface Filter {
  key: FilterKey;
  /** The value as written, quotes included; never empty. */
  raw: string;
  /** Offsets of `raw` in the query. */
  start: number;
  end: number;
  /** The whole `key:value` token. */
  token: RawToken;
}

const DAY_MS = 86_400_000;
const MIN_YEAR = 2015;
const MAX_YEAR = 2100;
const USER_ID = /^<@!?(\d{1,20})>$/;
const CHANNEL_ID = /^<#(\d{1,20})>$/;
const EVERYONE = /^@?(?:everyone|here)$/i;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function applyFilter(search: ParsedSearch, filter: Filter): void {
  switch (filter.key) {
    case 'from':
      search.from.push(nameRef(filter, USER_ID, '@'));
      return;
    case 'mentions':
      // Quoted, "everyone" is somebody's display name rather than the @everyone ping.
      if (!isQuoted(filter.raw) && EVERYONE.test(filter.raw)) search.mentionsEveryone = true;
      else search.mentions.push(nameRef(filter, USER_ID, '@'));
      return;
    case 'in':
      search.in.push(nameRef(filter, CHANNEL_ID, '#'));
      return;
    case 'has': {
      const value = hasValue(filter);
      if (!search.has.includes(value)) search.has.push(value);
      return;
    }
    case 'pinned':
      search.pinned = pinned(filter, search.pinned);
      return;
    case 'before':
    case 'after':
    case 'during':
      narrowDates(search, filter);
      return;
  }
}

/** An error for a filter without a value: `from:`, `from:""`, `from:@`. */
export function needsValue(key: FilterKey, token: RawToken) {
  return syntaxError(`${key}: needs a value`, token.text, token.start, token.end);
}

function isQuoted(raw: string): boolean {
  return raw.startsWith('"');
}

/** Quoted text means the name exactly as typed, so `"@bob"` keeps its `@`; whitespace is collapsed. */
function nameRef(filter: Filter, idForm: RegExp, sigil: string): NameRef {
  const at = { start: filter.start, end: filter.end };
  if (isQuoted(filter.raw)) {
    const value = unquote(filter.raw)
      .replace(/\p{White_Space}+/gu, ' ')
      .trim();
    if (value === '') throw needsValue(filter.key, filter.token);
    return { value, kind: 'name', ...at };
  }
  const id = idForm.exec(filter.raw)?.[1];
  if (id !== undefined) return { value: id, kind: 'id', ...at };
  const value = filter.raw.startsWith(sigil) ? filter.raw.slice(1) : filter.raw;
  if (value === '') throw needsValue(filter.key, filter.token);
  return { value, kind: 'name', ...at };
}

function hasValue(filter: Filter): HasValue {
  const value = unquote(filter.raw).trim().toLowerCase();
  const known = HAS_VALUES.find((allowed) => allowed === value);
  if (known) return known;
  const allowed = `${HAS_VALUES.slice(0, -1).join(', ')} or ${HAS_VALUES.at(-1)}`;
  throw syntaxError(`has: expects ${allowed}, not '${filter.raw}'`, filter.raw, filter.start);
}

/** Two different `pinned:` values would match nothing; saying so beats an empty result. */
function pinned(filter: Filter, earlier: boolean | undefined): boolean {
  const value = unquote(filter.raw).trim().toLowerCase();
  if (value !== 'true' && value !== 'false')
    throw syntaxError(`pinned: expects true or false, not '${filter.raw}'`, filter.raw, filter.start);
  const pinned = value === 'true';
  if (earlier !== undefined && earlier !== pinned) {
    const { text, start, end } = filter.token;
    throw syntaxError(`pinned: conflicts with the earlier pinned:${String(earlier)}`, text, start, end);
  }
  return pinned;
}

/** Midnight UTC starting the day a `YYYY-MM-DD` value names, in milliseconds. */
function dayStart(filter: Filter): number {
  const { raw, start } = filter;
  const parts = DAY.exec(unquote(raw));
  if (!parts) throw syntaxError(`${filter.key}: expects a date like 2026-01-31, not '${raw}'`, raw, start);
  const [year, month, day] = parts.slice(1).map(Number) as [number, number, number];
  if (year < MIN_YEAR || year > MAX_YEAR) throw syntaxError(`date out of range '${raw}'`, raw, start);
  // Date.UTC rolls 02-30 over into March; a real date comes back unchanged.
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    throw syntaxError(`no such date '${raw}'`, raw, start);
  return ms;
}

/**
 * before:D → before D starts; after:D → from the end of D; during:D → within D. Several date
 * filters intersect: the latest `after` and the earliest `before` win.
 */
function narrowDates(search: ParsedSearch, filter: Filter): void {
  const start = dayStart(filter);
  const next = start + DAY_MS;
  const after = filter.key === 'before' ? undefined : filter.key === 'after' ? next : start;
  const before = filter.key === 'after' ? undefined : filter.key === 'before' ? start : next;
  if (after !== undefined && (!search.after || after > search.after.getTime()))
    search.after = new Date(after);
  if (before !== undefined && (!search.before || before < search.before.getTime()))
    search.before = new Date(before);
  if (search.after && search.before && search.after >= search.before) {
    const { text, start: at, end } = filter.token;
    throw syntaxError('dates leave no time between them', text, at, end);
  }
}
