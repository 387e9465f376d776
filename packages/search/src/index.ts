export * from './port.ts';
export { hasKindsOf, searchableText, parseMarked } from './text.ts';
export { createPostgresSearchIndex } from './postgres/index.ts';
export { COUNT_CAP, SEARCH_TIMEOUT_MS, SearchTimeoutError } from './postgres/query.ts';
export { pgArray } from './postgres/arrays.ts';
