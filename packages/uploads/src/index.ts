export * from './kinds.ts';
export * from './store.ts';
