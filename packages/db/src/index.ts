export * from './database.ts';
export * from './schema-version.ts';
