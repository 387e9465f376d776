import type { Resolvers } from '../generated/resolvers.ts';

export const moderationResolvers: Resolvers = {};
