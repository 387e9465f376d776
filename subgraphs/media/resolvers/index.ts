import { DateTimeScalar, mergeResolvers } from '@gochat/subgraph-kit';

import type { Resolvers } from '../generated/resolvers.ts';
import { resolvers as profile } from './profile.ts';
import { resolvers as uploads } from './uploads.ts';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  ...mergeResolvers<Resolvers>(uploads, profile),
};
