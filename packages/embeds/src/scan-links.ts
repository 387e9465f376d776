/**
 * Finds the candidate links of a chat message the way Discord's markdown reads it, in one left-to-right
 * pass that never backtracks far: every construct's scan stops at the next character that could open
 * another construct of its kind, backtick runs are indexed once, and a missing spoiler closer is
 * remembered, so the work stays linear in the message (no regular expression runs over the whole text).
 *
 * What is not a link to preview:
 * - anything in a code block (```…```) or inline code (`…`, ``…``): it is quoted, not shared;
 * - `<https://…>`: Discord's way to post one link without its embed, and `[text](<https://…>)` too;
 * - anything in a spoiler (||…||). Discord does embed spoilered links (behind a blur), but a preview
 *   fetched and shown next to the message would give away what the sender hid, so GoChat skips them;
 * - a link target that is not http(s) (`[x](javascript:…)` is skipped whole).
 *
 * A backslash escapes the next punctuation character, as in Discord (`\`` opens no code).
 */

const SCHEME = /^https?:\/\//i;
const WORD_CHAR = /[\p{L}\p{N}_]/u;
const SPACE = /\s/;
/** Dropped from the end of a bare URL: sentence punctuation, quotes, and markdown emphasis (`**url**`). */
const TRAILING = new Set(['.', ',', ':', ';', '!', '?', "'", '"', '*', '~']);

function isSpace(char: string | undefined): boolean {
  return char !== undefined && SPACE.test(char);
}

function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** Ends a bare URL: whitespace and controls, and the characters that delimit links or code in text. */
function endsBareUrl(char: string): boolean {
  return isSpace(char) || isControl(char) || char === '<' || char === '>' || char === '`';
}

/** True when an http(s) scheme starts at `i` and does not continue a word (`xhttp://` is no link). */
function startsUrl(content: string, i: number): boolean {
  const previous = content[i - 1];
  if (previous !== undefined && WORD_CHAR.test(previous)) return false;
  return SCHEME.test(content.slice(i, i + 8));
}

/**
 * The maximal runs of backticks of a message, indexed by length, so that finding the run that closes
 * inline code is a lookup. Scanning moves forward only, so each length's cursor does too.
 */
class BacktickRuns {
  private byLength: Map<number, { starts: number[]; next: number }> | null = null;

  constructor(private readonly content: string) {}

  /** The start of the first run of exactly `length` backticks at or after `from`, or -1. */
  find(length: number, from: number): number {
    this.byLength ??= this.index();
    const runs = this.byLength.get(length);
    if (runs === undefined) return -1;
    while (runs.next < runs.starts.length && runs.starts[runs.next]! < from) runs.next++;
    return runs.starts[runs.next] ?? -1;
  }

  private index(): Map<number, { starts: number[]; next: number }> {
    const byLength = new Map<number, { starts: number[]; next: number }>();
    let i = this.content.indexOf('`');
    while (i !== -1) {
      const length = backtickRun(this.content, i);
      let runs = byLength.get(length);
      if (runs === undefined) byLength.set(length, (runs = { starts: [], next: 0 }));
      runs.starts.push(i);
      i = this.content.indexOf('`', i + length);
    }
    return byLength;
  }
}

/** Length of the run of backticks starting at `i`. */
function backtickRun(content: string, i: number): number {
  let end = i;
  while (content[end] === '`') end++;
  return end - i;
}

/**
 * Where scanning continues after the backticks at `start`: after the next run of the same length
 * (inline code and fenced blocks alike), or right after the opening run when none follows, in which
 * case the backticks are plain text, as in Discord.
 */
function skipCode(content: string, start: number, runs: BacktickRuns): number {
  const length = backtickRun(content, start);
  const close = runs.find(length, start + length);
  return close === -1 ? start + length : close + length;
}

/** Whether the message is known to have no `||` left, once a search for one failed. */
interface SpoilerState {
  noCloser: boolean;
}

/** Where scanning continues after the `||` at `start`: after its closing `||`, or after the opener. */
function skipSpoiler(content: string, start: number, state: SpoilerState): number {
  if (state.noCloser) return start + 2;
  // A spoiler holds at least one character: `||||` opens none.
  const close = content.indexOf('||', start + 3);
  if (close === -1) {
    state.noCloser = true;
    return start + 2;
  }
  return close + 2;
}

/** The end of `<https://…>` starting at `start`, or -1 when the bracket does not wrap a link. */
function suppressedLinkEnd(content: string, start: number): number {
  if (!SCHEME.test(content.slice(start + 1, start + 9))) return -1;
  let i = start + 1;
  while (i < content.length && content[i] !== '>' && content[i] !== '<' && !isSpace(content[i])) i++;
  return content[i] === '>' ? i + 1 : -1;
}

function skipSpaces(content: string, i: number): number {
  while (isSpace(content[i])) i++;
  return i;
}

/**
 * `[text](target)` at `start`: where it ends and its target (null when the target is suppressed with
 * angle brackets or is not http(s)), or null when this is no masked link and `[` is plain text. Nested
 * brackets in the text and titles after the target are not supported; such text is read as plain text,
 * where a bare URL in it is still found.
 */
function maskedLink(content: string, start: number): { end: number; target: string | null } | null {
  let i = start + 1;
  while (i < content.length && content[i] !== ']') {
    if (content[i] === '[' || content[i] === '\n') return null;
    i++;
  }
  if (i === start + 1 || content[i] !== ']' || content[i + 1] !== '(') return null;
  i = skipSpaces(content, i + 2);

  if (content[i] === '<') {
    i++;
    while (i < content.length && content[i] !== '>') {
      if (content[i] === '<' || content[i] === '[' || isSpace(content[i])) return null;
      i++;
    }
    i = skipSpaces(content, i + 1);
    return content[i] === ')' ? { end: i + 1, target: null } : null;
  }

  // The target ends at the `)` that balances the opening one: Wikipedia's `Foo_(bar)` stays whole.
  const targetStart = i;
  let depth = 0;
  while (i < content.length && !isSpace(content[i])) {
    const char = content[i];
    if (char === ')') {
      if (depth === 0) break;
      depth--;
    } else if (char === '(') {
      depth++;
    } else if (char === '[' || char === '<' || char === '>') {
      return null;
    }
    i++;
  }
  const target = content.slice(targetStart, i);
  i = skipSpaces(content, i);
  if (content[i] !== ')' || target === '') return null;
  return { end: i + 1, target: SCHEME.test(target) ? target : null };
}

/**
 * The end of the bare URL starting at `start`: it runs to whitespace or `<`, then loses trailing
 * punctuation and any `)` or `]` that closes nothing opened inside it, as linkify and Discord do.
 * So `(see https://a.example/x).` gives `https://a.example/x`, while
 * `https://en.wikipedia.org/wiki/Foo_(bar)` keeps its parenthesis.
 */
function bareUrlEnd(content: string, start: number): number {
  let end = start;
  let openParens = 0;
  let closeParens = 0;
  let openBrackets = 0;
  let closeBrackets = 0;
  while (end < content.length && !endsBareUrl(content[end]!)) {
    const char = content[end];
    if (char === '(') openParens++;
    else if (char === ')') closeParens++;
    else if (char === '[') openBrackets++;
    else if (char === ']') closeBrackets++;
    end++;
  }
  while (end > start) {
    const last = content[end - 1]!;
    if (TRAILING.has(last)) {
      end--;
    } else if (last === ')' && closeParens > openParens) {
      closeParens--;
      end--;
    } else if (last === ']' && closeBrackets > openBrackets) {
      closeBrackets--;
      end--;
    } else {
      break;
    }
  }
  return end;
}

/** The candidate links of `content` in order, as written (not yet validated or normalised). */
export function* scanLinks(content: string): Generator<string, void, undefined> {
  const runs = new BacktickRuns(content);
  const spoilers: SpoilerState = { noCloser: false };
  let i = 0;
  while (i < content.length) {
    const char = content[i]!;
    if (char === '\\') {
      // Discord escapes any character but letters, digits and whitespace.
      const next = content[i + 1];
      i += next !== undefined && !/[\p{L}\p{N}\s]/u.test(next) ? 2 : 1;
    } else if (char === '`') {
      i = skipCode(content, i, runs);
    } else if (char === '|' && content[i + 1] === '|') {
      i = skipSpoiler(content, i, spoilers);
    } else if (char === '<') {
      const end = suppressedLinkEnd(content, i);
      i = end === -1 ? i + 1 : end;
    } else if (char === '[') {
      const link = maskedLink(content, i);
      if (link === null) {
        i++;
      } else {
        if (link.target !== null) yield link.target;
        i = link.end;
      }
    } else if ((char === 'h' || char === 'H') && startsUrl(content, i)) {
      const end = bareUrlEnd(content, i);
      yield content.slice(i, end);
      i = Math.max(end, i + 1);
    } else {
      i++;
    }
  }
}
