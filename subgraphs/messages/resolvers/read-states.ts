import type { Resolvers } from '../generated/resolvers.ts';

/** Resolvers of this area (filled in by its implementation). */
export const resolvers: Resolvers = {};
