import { DateTimeScalar } from '@gochat/subgraph-kit';

import type { Resolvers } from '../generated/resolvers.ts';
import { resolvers as search } from './search.ts';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  ...search,
};
