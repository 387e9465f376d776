export * from './env-vars.ts';
export * from './load.ts';
export * from './sections.ts';
export * from './secrets.ts';
export * from './voice.ts';
