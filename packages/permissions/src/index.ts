export * from './bits.ts';
export * from './compute.ts';
export * from './hierarchy.ts';
export * from './require.ts';
