/**
 * Text folding shared by the query parser and the indexer: both sides must fold identically, or a
 * query word would never meet the indexed word it was typed to find.
 */

const MARKS = /\p{M}/gu;
/** A word is a run of letters and digits; everything else (punctuation, `*`, `?`, emoji) separates. */
const SEPARATORS = /[^\p{L}\p{N}]+/u;

/**
 * Case- and accent-insensitive form of `text`: 'Crème BRÛLÉE' → 'creme brulee'.
 *
 * NFKD splits accented letters into letter + combining mark and maps compatibility forms to plain
 * ones (fullwidth 'ＡＢＣ' → 'ABC', '℡' → 'TEL'), so lower-casing comes after it. Marks are stripped
 * after lower-casing, which is locale-independent (`toLowerCase`, not the user's locale: 'I' must
 * fold the same on every server). A final NFC puts Hangul jamo, which NFKD splits apart but which
 * are letters rather than marks, back into syllables so folded Korean stays readable.
 */
export function fold(text: string): string {
  return text.normalize('NFKD').toLowerCase().replace(MARKS, '').normalize('NFC');
}

/**
 * The folded words of `text`, in order, duplicates kept: what a search term is matched against.
 * 'Hello-World, a*b' → ['hello', 'world', 'a', 'b'].
 */
export function foldWords(text: string): string[] {
  return fold(text)
    .split(SEPARATORS)
    .filter((word) => word !== '');
}
