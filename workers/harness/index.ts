export * from './backoff.ts';
export * from './config.ts';
export * from './definition.ts';
export * from './role.ts';
export * from './runner.ts';
