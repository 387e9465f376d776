import { DomainError, unauthenticated } from '@gochat/errors';
import { PERMISSIONS, channelPermissions, has } from '@gochat/permissions';

import { readableMessage, type Access } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { SEEN_BY_MAX_VIEWERS, type ReadPlace } from '../store/read-states.ts';
import type { MessagesContext } from './context.ts';

const placeOf = (access: Access): ReadPlace => ({
  containerId: access.containerId,
  parentChannelId: access.facts.channelId,
  guildId: access.facts.guildId,
});

/**
 * Whether a member with no roles and no overwrite of their own could view the channel: then every
 * member is a "seen by" candidate; otherwise only those who could gain the permission are.
 */
function everyoneMayView({ facts }: Access): boolean {
  if (facts.guildId === null || facts.ownerId === null) return true;
  const member = {
    userId: '',
    guildId: facts.guildId,
    ownerId: facts.ownerId,
    everyone: facts.everyone,
    roles: [],
  };
  return has(channelPermissions(member, facts.overwrites), PERMISSIONS.VIEW_CHANNEL);
}

/** The signed-in user (read states are personal: scoped router hydrations have none). */
function signedIn(ctx: MessagesContext): string {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  return ctx.identity.userId;
}

export const resolvers: Resolvers = {
  Query: {
    unreads: (_root, _args, ctx) => ctx.stores.readStates.unreads(signedIn(ctx)),

    seenBy: async (_root, args, ctx) => {
      signedIn(ctx);
      // Readers only, and the message must be in that container (NOT_FOUND for a foreign id).
      const { access } = await readableMessage(ctx, args.channelId, args.messageId);
      const seen = await ctx.stores.readStates.seenBy(
        placeOf(access),
        args.messageId,
        everyoneMayView(access),
      );
      if (seen === 'too-many')
        throw new DomainError(
          'LIMIT_REACHED',
          `"Seen by" is available in channels with at most ${SEEN_BY_MAX_VIEWERS} members.`,
        );
      return seen.map((id) => ({ id }));
    },
  },

  Mutation: {
    ackMessage: async (_root, args, ctx) => {
      const userId = signedIn(ctx);
      // Acking a message of another channel is NOT_FOUND, like any foreign message id.
      const { access, message } = await readableMessage(ctx, args.channelId, args.messageId);
      return ctx.stores.readStates.ack(userId, placeOf(access), message.id);
    },
  },
};
