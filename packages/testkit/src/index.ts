export * from './real-servers.ts';
export * from './postgres.ts';
