export * from './facts.ts';
export * from './permissions.ts';
