import { notFound, parseInput } from '@gochat/errors';
import type { PermissionName } from '@gochat/permissions';
import { z } from 'zod';

import { loadMember, requireGuildPermission, requireOutranks } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { committed, id, optionalId, type GuildsContext } from './context.ts';
import { parseReason } from './input.ts';

const deleteMessageDays = z.number().int().min(0, 'at least 0').max(7, 'at most 7');
const bansFirst = z.number().int().min(1, 'at least 1').max(1000, 'at most 1000');

/** The guild and user a moderation action names, and the moderator holding `permission` there. */
async function moderation(
  ctx: GuildsContext,
  args: { guildId: string; userId: string },
  permission: PermissionName,
) {
  const guildId = id(args.guildId, 'guildId');
  const userId = id(args.userId, 'userId');
  const access = await requireGuildPermission(ctx, guildId, permission);
  return { access, target: { guildId, userId, actorId: access.userId } };
}

export const moderationResolvers: Resolvers = {
  Ban: {
    user: (ban) => ({ id: ban.userId }),
    moderator: (ban) => (ban.moderatorId ? { id: ban.moderatorId } : null),
  },

  Query: {
    guildBans: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const after = optionalId(args.after, 'after') ?? undefined;
      await requireGuildPermission(ctx, guildId, 'BAN_MEMBERS');
      return ctx.store.bansPage(guildId, parseInput(bansFirst, args.first ?? 100, 'first'), after);
    },
  },

  Mutation: {
    kickMember: async (_root, args, ctx) => {
      const { access, target } = await moderation(ctx, args, 'KICK_MEMBERS');
      await loadMember(ctx, target.guildId, target.userId);
      await requireOutranks(ctx, access, target.userId);
      const reason = parseReason(args.reason);
      await committed(ctx, ctx.store.kickMember({ ...target, reason }));
      return true;
    },

    banMember: async (_root, args, ctx) => {
      const { access, target } = await moderation(ctx, args, 'BAN_MEMBERS');
      if (!(await ctx.store.userExists(target.userId))) throw notFound('User');
      // A non-member has no roles: anyone with a role above @everyone outranks them.
      await requireOutranks(ctx, access, target.userId);
      const reason = parseReason(args.reason);
      const days = parseInput(deleteMessageDays, args.deleteMessageDays ?? 0, 'deleteMessageDays');
      const { ban } = await committed(
        ctx,
        ctx.store.banMember({ ...target, reason, deleteMessageDays: days }),
      );
      return ban;
    },

    unbanMember: async (_root, args, ctx) => {
      const { target } = await moderation(ctx, args, 'BAN_MEMBERS');
      const reason = parseReason(args.reason);
      await committed(ctx, ctx.store.unbanMember({ ...target, reason }));
      return true;
    },
  },
};
