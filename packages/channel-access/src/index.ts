export * from './facts.ts';
export * from './permissions.ts';
export * from './guild-channels.ts';
