export * from './catalog.ts';
export * from './dead-letter.ts';
export { parseSubject, subjectPatterns, type ParsedSubject, type Subject } from './subjects.ts';
