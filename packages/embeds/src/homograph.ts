import { domainToUnicode } from 'node:url';

/**
 * A cheap warning sign for internationalised host names that imitate another name (`аpple.com` with
 * a Cyrillic `а`). Embeds already show hosts in punycode (`xn--pple-43d.com`), which is the real
 * protection; this is for a client or moderation tool that wants to flag such links more loudly.
 *
 * A label is suspicious when its letters mix scripts (Latin with Cyrillic, Greek with Latin...), except
 * the mixes that are normal in East Asian names (Han with Hiragana, Katakana, Hangul, Bopomofo and
 * Latin), or when it is written only in Cyrillic or Greek letters that all look like Latin ones.
 * A heuristic, not UTS #39: false negatives are possible, false positives rare.
 */

const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Hebrew',
  'Arabic',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Bopomofo',
  'Thai',
  'Georgian',
  'Cherokee',
] as const;
const SCRIPT_PATTERNS = SCRIPTS.map((script) => [script, new RegExp(`\\p{Script=${script}}`, 'u')] as const);
const EAST_ASIAN = new Set(['Han', 'Hiragana', 'Katakana', 'Hangul', 'Bopomofo', 'Latin']);
/** Cyrillic and Greek letters that look like Latin letters in most fonts. */
const LATIN_LOOKALIKES = new Set('аеорсухіјѕԁһӏԛԝʼехавкмнотАВЕКМНОРСТХαοτνικρυεΑΒΕΖΗΙΚΜΝΟΡΤΥΧ');

function scriptOf(char: string): string {
  for (const [script, pattern] of SCRIPT_PATTERNS) if (pattern.test(char)) return script;
  return /\p{L}/u.test(char) ? 'Other' : 'Common';
}

function isSuspiciousLabel(label: string): boolean {
  const scripts = new Set<string>();
  let letters = 0;
  let lookalikes = 0;
  for (const char of label) {
    const script = scriptOf(char);
    if (script === 'Common') continue;
    scripts.add(script);
    letters++;
    if (LATIN_LOOKALIKES.has(char)) lookalikes++;
  }
  if (scripts.size > 1) return ![...scripts].every((script) => EAST_ASIAN.has(script));
  const [only] = scripts;
  return (only === 'Cyrillic' || only === 'Greek') && letters > 0 && lookalikes === letters;
}

/** True when `hostname` (punycode or Unicode) has a label that looks like an imitation of Latin text. */
export function isLikelyHomograph(hostname: string): boolean {
  const unicode = domainToUnicode(hostname.toLowerCase());
  if (unicode === '') return false;
  return unicode.split('.').some(isSuspiciousLabel);
}
