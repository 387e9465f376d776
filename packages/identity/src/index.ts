export * from './identity.ts';
export { TokenCache } from './token-cache.ts';
