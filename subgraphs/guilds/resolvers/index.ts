import { DateTimeScalar, mergeResolvers } from '@gochat/subgraph-kit';

import type { Resolvers } from '../generated/resolvers.ts';
import { auditResolvers } from './audit.ts';
import { channelsResolvers } from './channels.ts';
import { directResolvers } from './direct.ts';
import { emojisResolvers } from './emojis.ts';
import { guildsResolvers } from './guilds.ts';
import { invitesResolvers } from './invites.ts';
import { memberAvatarsResolvers } from './member-avatars.ts';
import { memberProfilesResolvers } from './member-profiles.ts';
import { membersResolvers } from './members.ts';
import { moderationResolvers } from './moderation.ts';
import { realtimeResolvers } from './realtime.ts';
import { rolesResolvers } from './roles.ts';

export type { GuildsContext } from './context.ts';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  ...mergeResolvers(
    guildsResolvers,
    channelsResolvers,
    rolesResolvers,
    membersResolvers,
    memberProfilesResolvers,
    memberAvatarsResolvers,
    invitesResolvers,
    moderationResolvers,
    auditResolvers,
    emojisResolvers,
    directResolvers,
    realtimeResolvers,
  ),
};
