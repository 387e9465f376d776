export * from './catalog.ts';
export { parseSubject, subjectPatterns, type ParsedSubject, type Subject } from './subjects.ts';
