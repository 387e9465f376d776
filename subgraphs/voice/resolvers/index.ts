import { DateTimeScalar, mergeResolvers } from '@gochat/subgraph-kit';

import type { Resolvers } from '../generated/resolvers.ts';
import { joinResolvers } from './join.ts';
import { moderationResolvers } from './moderation.ts';
import { queryResolvers } from './queries.ts';

export type { VoiceContext } from './context.ts';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  ...mergeResolvers(queryResolvers, joinResolvers, moderationResolvers),
};
