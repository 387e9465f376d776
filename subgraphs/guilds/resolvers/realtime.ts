import {
  PERMISSIONS,
  basePermissions,
  channelPermissions,
  has,
  isTimedOut,
  type MemberContext,
} from '@gochat/permissions';

import type { RealtimeGuildAccess, Resolvers } from '../generated/resolvers.ts';
import type { RealtimeMembership } from '../store/realtime.ts';
import { optionalId, signedIn } from './context.ts';

/** The caller's access to one guild, by the same permission functions as every other check. */
function guildAccessOf(userId: string, membership: RealtimeMembership, now: Date): RealtimeGuildAccess {
  const member: MemberContext = {
    userId,
    guildId: membership.guildId,
    ownerId: membership.ownerId,
    everyone: membership.everyone,
    roles: membership.roles,
    timedOut: isTimedOut(membership.timeoutUntil, now),
  };
  const visible = membership.channels
    .map((c) => ({ id: c.id, bits: channelPermissions(member, c.overwrites) }))
    .filter((c) => has(c.bits, PERMISSIONS.VIEW_CHANNEL));
  return {
    id: membership.guildId,
    memberCount: membership.memberCount,
    permissions: basePermissions(member).toString(),
    channelIds: visible.map((c) => c.id),
    historyChannelIds: visible.filter((c) => has(c.bits, PERMISSIONS.READ_MESSAGE_HISTORY)).map((c) => c.id),
  };
}

export const realtimeResolvers: Resolvers = {
  Query: {
    // Only ever the caller's own access: there is no argument naming a user.
    realtimeAccess: async (_root, args, ctx) => {
      const userId = signedIn(ctx);
      const guildId = optionalId(args.guildId, 'guildId') ?? undefined;
      const facts = await ctx.store.realtimeFacts(userId, guildId);
      const now = new Date();
      return {
        guilds: facts.memberships.map((m) => guildAccessOf(userId, m, now)),
        directChannelIds: facts.directChannelIds,
      };
    },
  },
};
