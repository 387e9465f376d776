export * from './port.ts';
export { hasKindsOf, searchableText, parseMarked } from './text.ts';
export { createPostgresSearchIndex } from './postgres/index.ts';
export { COUNT_CAP } from './postgres/query.ts';
