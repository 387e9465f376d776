import { notFound, parseInput } from '@gochat/errors';
import { z } from 'zod';

import { requireGuildPermission, requireOutranks } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { committed, id, memberKey, optionalId } from './context.ts';

const reason = z.string().max(512, 'at most 512 characters').nullish();
const deleteMessageDays = z.number().int().min(0, 'at least 0').max(7, 'at most 7');
const bansFirst = z.number().int().min(1, 'at least 1').max(1000, 'at most 1000');

/** An audit-log reason: up to 512 characters; blank means none. */
export function reasonOf(value: string | null | undefined): string | null {
  const text = parseInput(reason, value, 'reason');
  return text?.trim() ? text : null;
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
      const guildId = id(args.guildId, 'guildId');
      const userId = id(args.userId, 'userId');
      const access = await requireGuildPermission(ctx, guildId, 'KICK_MEMBERS');
      const target = await ctx.loaders.member.load(memberKey(guildId, userId));
      if (!target) throw notFound('Member');
      await requireOutranks(ctx, access, userId);
      const why = reasonOf(args.reason);
      await committed(ctx, ctx.store.kickMember({ guildId, userId, actorId: access.userId, reason: why }));
      return true;
    },

    banMember: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const userId = id(args.userId, 'userId');
      const access = await requireGuildPermission(ctx, guildId, 'BAN_MEMBERS');
      if (!(await ctx.store.userExists(userId))) throw notFound('User');
      // A non-member has no roles: anyone with a role above @everyone outranks them.
      await requireOutranks(ctx, access, userId);
      const why = reasonOf(args.reason);
      const days = parseInput(deleteMessageDays, args.deleteMessageDays ?? 0, 'deleteMessageDays');
      const { ban } = await committed(
        ctx,
        ctx.store.banMember({
          guildId,
          userId,
          actorId: access.userId,
          reason: why,
          deleteMessageDays: days,
        }),
      );
      return ban;
    },

    unbanMember: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const userId = id(args.userId, 'userId');
      const access = await requireGuildPermission(ctx, guildId, 'BAN_MEMBERS');
      const why = reasonOf(args.reason);
      await committed(ctx, ctx.store.unbanMember({ guildId, userId, actorId: access.userId, reason: why }));
      return true;
    },
  },
};
