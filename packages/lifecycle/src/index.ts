export * from './health.ts';
export * from './http-server.ts';
export * from './lifecycle.ts';
export * from './role.ts';
export * from './serve-role.ts';
export * from './periodic.ts';
export * from './parts.ts';
