export * from './catalog.ts';
export * from './dead-letter.ts';
