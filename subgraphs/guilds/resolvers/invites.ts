import { notFound, parseInput, validation } from '@gochat/errors';
import { requirePermissions } from '@gochat/permissions';
import { z } from 'zod';

import { guildAccess, loadGuild, requireGuildChannel, requireGuildPermission } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { committed, id, optionalId, signedIn } from './context.ts';
import { parseReason } from './input.ts';

const DEFAULT_MAX_AGE_SECONDS = 604_800;

const inviteInput = z.object({
  maxAgeSeconds: z
    .number()
    .int()
    .refine((s) => s === 0 || (s >= 60 && s <= 2_592_000), 'must be 0 (never) or 60 to 2592000 seconds'),
  maxUses: z.number().int().min(0, 'at least 0').max(100, 'at most 100'),
});

export const invitesResolvers: Resolvers = {
  Invite: {
    guild: (invite, _args, ctx) => loadGuild(ctx, invite.guildId),
    channel: async (invite, _args, ctx) =>
      invite.channelId ? ((await ctx.loaders.channel.load(invite.channelId)) ?? null) : null,
    inviter: (invite) => ({ id: invite.inviterId }),
  },

  Query: {
    guildInvites: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      await requireGuildPermission(ctx, guildId, 'MANAGE_GUILD');
      return ctx.store.liveInvitesOfGuild(guildId);
    },

    invite: async (_root, args, ctx) => {
      signedIn(ctx);
      const preview = await ctx.store.invitePreview(args.code);
      if (!preview) throw notFound('Invite');
      return preview;
    },
  },

  Mutation: {
    createInvite: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const channelId = optionalId(args.input.channelId, 'input.channelId') ?? null;
      const userId = signedIn(ctx);
      if (channelId) {
        // Discord: an invite to a channel needs CREATE_INVITE there (overwrites included).
        await guildAccess(ctx, guildId);
        const channel = await ctx.loaders.channel.load(channelId);
        if (!channel || channel.guildId !== guildId) throw notFound('Channel');
        await requireGuildChannel(ctx, channelId, 'CREATE_INVITE');
        if (channel.kind === 'category')
          throw validation('input.channelId: an invite cannot point at a category', 'input.channelId');
      } else {
        await requireGuildPermission(ctx, guildId, 'CREATE_INVITE');
      }
      const input = parseInput(
        inviteInput,
        {
          maxAgeSeconds: args.input.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS,
          maxUses: args.input.maxUses ?? 0,
        },
        'input',
      );
      return committed(ctx, ctx.store.createInvite({ guildId, channelId, inviterId: userId, ...input }));
    },

    revokeInvite: async (_root, args, ctx) => {
      const userId = signedIn(ctx);
      const invite = await ctx.store.inviteByCode(args.code);
      if (!invite) throw notFound('Invite');
      const access = await guildAccess(ctx, invite.guildId);
      // Inviters may revoke their own invites.
      if (invite.inviterId !== userId) requirePermissions(access.permissions, 'MANAGE_GUILD');
      const reason = parseReason(args.reason);
      await committed(ctx, ctx.store.revokeInvite(invite.code, userId, reason));
      return true;
    },

    acceptInvite: async (_root, args, ctx) => {
      const userId = signedIn(ctx);
      const { guild, joined } = await ctx.store.acceptInvite(args.code, userId);
      if (joined) ctx.kick();
      return guild;
    },
  },
};
