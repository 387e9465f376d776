/**
 * What the search box offers at the caret, from @gochat/search-syntax's view of the half-typed
 * query: the filter keys while a plain word is typed, then the values of the filter being typed
 * (guild members for from:/mentions:, channels for in:, and the fixed values of the others).
 */
import { FILTER_KEYS, HAS_VALUES, replaceToken, tokenAt, type FilterKey } from '@gochat/search-syntax';

export interface SearchMember {
  id: string;
  displayName: string;
  nickname: string | null;
  handle: string | null;
}

export interface SearchChannel {
  id: string;
  name: string;
}

export interface Suggestion {
  /** Unique in its list (option element ids are made from it). */
  id: string;
  label: string;
  detail: string | null;
  /** The query and caret once chosen. */
  query: string;
  cursor: number;
}

export interface Suggestions {
  heading: string;
  items: Suggestion[];
  /**
   * Whether the first item is highlighted at once, so Enter picks it. Not for filter keys: a plain
   * word (`in`, `be`) is also something to search for, and Enter must search for it.
   */
  autoSelect: boolean;
}

const MAX = 8;

const KEY_HINTS: Record<FilterKey, string> = {
  from: 'user',
  mentions: 'user',
  in: 'channel',
  has: 'link, file, image, video or embed',
  before: 'date',
  after: 'date',
  during: 'date',
  pinned: 'true or false',
};

/** A value that needs no quotes: no whitespace, quotes or angle brackets. */
const PLAIN = /^[^\s"<>]+$/u;

const starts = (text: string | null | undefined, prefix: string) =>
  (text ?? '').toLowerCase().startsWith(prefix.toLowerCase());

export function suggest(
  query: string,
  caret: number,
  members: readonly SearchMember[],
  channels: readonly SearchChannel[],
  today: Date = new Date(),
): Suggestions | null {
  const token = tokenAt(query, caret);
  if (!token || token.key === null) return filterKeys(query, caret, token);
  const value = (key: string, written: string, label: string, detail: string | null = null) => ({
    id: `${key}-${written}`,
    label,
    detail,
    ...replaceToken(query, token, `${key}:${written}`),
  });
  let items: Suggestion[];
  let heading: string;
  switch (token.key) {
    case 'from':
    case 'mentions': {
      heading = 'Members';
      items = members
        .filter(
          (m) =>
            starts(m.handle, token.value) ||
            starts(m.displayName, token.value) ||
            starts(m.nickname, token.value),
        )
        .map((m) =>
          // The server finds users by handle; one without a handle is named by id.
          value(
            token.key!,
            m.handle && PLAIN.test(m.handle) ? m.handle : `<@${m.id}>`,
            m.nickname ?? m.displayName,
            m.handle ? `@${m.handle}` : null,
          ),
        );
      if (token.key === 'mentions' && starts('everyone', token.value))
        items.unshift(value('mentions', 'everyone', '@everyone', 'or @here'));
      break;
    }
    case 'in':
      heading = 'Channels';
      items = channels
        .filter((c) => starts(c.name, token.value))
        .map((c) => value('in', PLAIN.test(c.name) ? `#${c.name}` : `<#${c.id}>`, `# ${c.name}`));
      break;
    case 'has':
      heading = 'Has';
      items = HAS_VALUES.filter((v) => starts(v, token.value)).map((v) => value('has', v, v));
      break;
    case 'pinned':
      heading = 'Pinned';
      items = ['true', 'false'].filter((v) => starts(v, token.value)).map((v) => value('pinned', v, v));
      break;
    case 'before':
    case 'after':
    case 'during': {
      heading = 'Date (YYYY-MM-DD, UTC)';
      const day = today.toISOString().slice(0, 10);
      items = starts(day, token.value) ? [value(token.key, day, day, 'today')] : [];
      break;
    }
    default:
      return null;
  }
  return items.length ? { heading, items: items.slice(0, MAX), autoSelect: true } : null;
}

/** The filter keys that start with the word at the caret, or all of them between words. */
function filterKeys(query: string, caret: number, token: ReturnType<typeof tokenAt>): Suggestions | null {
  let start = caret;
  let end = caret;
  let typed = '';
  if (token) {
    ({ start, end } = token);
    typed = query.slice(start, end);
    // An exclusion or a phrase is being typed: not a filter.
    if (typed.startsWith('-') || typed.startsWith('"')) return null;
  } else if (query[caret] !== undefined && !/\s/u.test(query[caret])) {
    return null; // right before a word: a key inserted here would run into it
  }
  const keys = FILTER_KEYS.filter((key) => starts(key, typed));
  if (!keys.length) return null;
  return {
    heading: 'Search options',
    autoSelect: false,
    items: keys.map((key) => ({
      id: `key-${key}`,
      label: `${key}:`,
      detail: KEY_HINTS[key],
      query: `${query.slice(0, start)}${key}:${query.slice(end)}`,
      cursor: start + key.length + 1,
    })),
  };
}
