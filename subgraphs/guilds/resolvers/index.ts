import { DateTimeScalar } from '@gochat/subgraph-kit';

import type { Resolvers } from '../generated/resolvers.ts';
import { auditResolvers } from './audit.ts';
import { channelsResolvers } from './channels.ts';
import { directResolvers } from './direct.ts';
import { emojisResolvers } from './emojis.ts';
import { guildsResolvers } from './guilds.ts';
import { invitesResolvers } from './invites.ts';
import { membersResolvers } from './members.ts';
import { moderationResolvers } from './moderation.ts';
import { realtimeResolvers } from './realtime.ts';
import { rolesResolvers } from './roles.ts';

export type { GuildsContext } from './context.ts';

/** Merges per-area resolver maps; two areas defining the same field is a bug, so it throws. */
function merge(...parts: Resolvers[]): Resolvers {
  const out: Record<string, Record<string, unknown>> = {};
  for (const part of parts)
    for (const [type, fields] of Object.entries(part as Record<string, Record<string, unknown>>)) {
      const target = (out[type] ??= {});
      for (const [field, resolver] of Object.entries(fields)) {
        if (field in target) throw new Error(`resolver ${type}.${field} defined twice`);
        target[field] = resolver;
      }
    }
  return out as Resolvers;
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  ...merge(
    guildsResolvers,
    channelsResolvers,
    rolesResolvers,
    membersResolvers,
    invitesResolvers,
    moderationResolvers,
    auditResolvers,
    emojisResolvers,
    directResolvers,
    realtimeResolvers,
  ),
};
