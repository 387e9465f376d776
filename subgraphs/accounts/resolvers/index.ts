import { DateTimeScalar, mergeResolvers } from '@gochat/subgraph-kit';

import type { Resolvers } from '../generated/resolvers.ts';
import { authResolvers } from './auth.ts';
import { deletionResolvers } from './deletion.ts';
import { exportResolvers } from './export.ts';
import { relationshipsResolvers } from './relationships.ts';
import { sessionsResolvers } from './sessions.ts';
import { settingsResolvers } from './settings.ts';
import { twoFactorResolvers } from './two-factor.ts';
import { usersResolvers } from './users.ts';

export type { AccountsContext } from './context.ts';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  ...mergeResolvers(
    usersResolvers,
    authResolvers,
    sessionsResolvers,
    relationshipsResolvers,
    deletionResolvers,
    exportResolvers,
    settingsResolvers,
    twoFactorResolvers,
  ),
};
