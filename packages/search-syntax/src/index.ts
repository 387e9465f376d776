export { SearchSyntaxError } from './error.ts';
export { fold, foldWords } from './fold.ts';
export { parseSearch } from './parse.ts';
export { replaceToken, tokenAt } from './token-at.ts';
export type { TokenAtCursor } from './token-at.ts';
export { FILTER_KEYS, HAS_VALUES } from './types.ts';
export type { FilterKey, HasValue, NameRef, ParsedSearch, SearchOptions } from './types.ts';
