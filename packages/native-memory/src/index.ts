export { limitMallocArenas, trimMalloc, trimMallocSoon } from './glibc.ts';
