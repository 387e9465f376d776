import { DateTimeScalar, mergeResolvers } from '@gochat/subgraph-kit';

import type { Resolvers } from '../generated/resolvers.ts';
import { authResolvers } from './auth.ts';
import { relationshipsResolvers } from './relationships.ts';
import { sessionsResolvers } from './sessions.ts';
import { usersResolvers } from './users.ts';

export type { AccountsContext } from './context.ts';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  ...mergeResolvers(usersResolvers, authResolvers, sessionsResolvers, relationshipsResolvers),
};
