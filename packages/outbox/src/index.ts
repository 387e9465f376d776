export * from './relay.ts';
export * from './store.ts';
