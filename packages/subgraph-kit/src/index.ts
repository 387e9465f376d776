export * from './create-subgraph.ts';
export * from './errors.ts';
export * from './scalars.ts';
export * from './loaders.ts';
export * from './merge-resolvers.ts';
