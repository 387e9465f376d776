import { DomainError, forbidden, notFound, parseInput, validation } from '@gochat/errors';
import { z } from 'zod';

import { channelAccess } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { GROUP_DM_MAX_PARTICIPANTS, type DirectChannelState } from '../store/direct.ts';
import type { ChannelRow } from '../store/rows.ts';
import { committed, id, signedIn, type GuildsContext } from './context.ts';

const groupName = z
  .string()
  .trim()
  .max(100, 'at most 100 characters')
  .nullish()
  .transform((v) => (v ? v : null));

/** The loaders saw the channel before the write: give them what the write left. */
function fresh(ctx: GuildsContext, state: DirectChannelState): ChannelRow {
  const channelId = state.channel.id;
  ctx.loaders.channel.clear(channelId).prime(channelId, state.channel);
  ctx.loaders.recipients.clear(channelId).prime(channelId, state.recipientIds);
  return state.channel;
}

async function requireUser(ctx: GuildsContext, userId: string): Promise<void> {
  if (!(await ctx.store.existingUsers([userId])).has(userId)) throw notFound('User');
}

/**
 * A group DM the caller takes part in: NOT_FOUND / FORBIDDEN (not a participant) by channelAccess,
 * then VALIDATION when the channel is not a group DM.
 */
async function participantGroupDm(ctx: GuildsContext, channelId: string): Promise<ChannelRow> {
  const { channel } = await channelAccess(ctx, channelId);
  if (channel.kind !== 'group_dm') throw validation('Not a group DM.', 'channelId');
  return channel;
}

/** A group DM the caller owns, and the participant a change names (checks in the domain's order). */
async function ownedGroupDm(ctx: GuildsContext, args: { channelId: string; userId: string }) {
  const callerId = signedIn(ctx);
  const channelId = id(args.channelId, 'channelId');
  const userId = id(args.userId, 'userId');
  const channel = await participantGroupDm(ctx, channelId);
  if (channel.ownerId !== callerId) throw forbidden('Only the group DM owner can do this.');
  return { callerId, channelId, userId };
}

/** Distinct other users, 1 to 9 of them: the caller makes at most 10. */
function groupMembers(callerId: string, userIds: readonly string[]): string[] {
  const list = userIds.map((u, i) => id(u, `userIds.${i}`));
  if (list.length === 0) throw validation('userIds: name at least one other user', 'userIds');
  if (new Set(list).size !== list.length) throw validation('userIds: must not repeat a user', 'userIds');
  if (list.includes(callerId))
    throw validation('userIds: you are added automatically; do not list yourself', 'userIds');
  if (list.length > GROUP_DM_MAX_PARTICIPANTS - 1)
    throw new DomainError(
      'LIMIT_REACHED',
      `A group DM has at most ${GROUP_DM_MAX_PARTICIPANTS} participants, you included.`,
    );
  return list;
}

export const directResolvers: Resolvers = {
  Channel: {
    recipients: async (channel, _args, ctx) =>
      channel.guildId === null ? (await ctx.loaders.recipients.load(channel.id)).map((u) => ({ id: u })) : [],
    owner: (channel) => (channel.kind === 'group_dm' && channel.ownerId ? { id: channel.ownerId } : null),
  },

  Query: {
    myDirectChannels: async (_root, _args, ctx) => {
      const rows = await ctx.store.myDirectChannels(signedIn(ctx));
      for (const row of rows) ctx.loaders.channel.prime(row.id, row);
      return rows;
    },
  },

  Mutation: {
    openDirectMessage: async (_root, args, ctx) => {
      const callerId = signedIn(ctx);
      const userId = id(args.userId, 'userId');
      if (userId === callerId) throw validation('userId: you cannot open a DM with yourself', 'userId');
      await requireUser(ctx, userId);
      if (await ctx.store.blockedEitherWay(callerId, [userId]))
        throw forbidden('You cannot message this user.');
      const state = await ctx.store.openDirectMessage(callerId, userId);
      if (state.created) ctx.kick();
      return fresh(ctx, state);
    },

    createGroupDm: async (_root, args, ctx) => {
      const callerId = signedIn(ctx);
      const others = groupMembers(callerId, args.userIds);
      const name = parseInput(groupName, args.name, 'name');
      const existing = await ctx.store.existingUsers(others);
      if (others.some((u) => !existing.has(u))) throw notFound('User');
      if (await ctx.store.blockedEitherWay(callerId, others))
        throw forbidden('You cannot add a user who blocked you or whom you blocked.');
      return fresh(ctx, await committed(ctx, ctx.store.createGroupDm(callerId, others, name)));
    },

    addGroupDmRecipient: async (_root, args, ctx) => {
      const { callerId, channelId, userId } = await ownedGroupDm(ctx, args);
      await requireUser(ctx, userId);
      if (await ctx.store.blockedEitherWay(callerId, [userId]))
        throw forbidden('You cannot add a user who blocked you or whom you blocked.');
      return fresh(ctx, await committed(ctx, ctx.store.addGroupDmRecipient(callerId, channelId, userId)));
    },

    removeGroupDmRecipient: async (_root, args, ctx) => {
      const { callerId, channelId, userId } = await ownedGroupDm(ctx, args);
      return fresh(ctx, await committed(ctx, ctx.store.removeGroupDmRecipient(callerId, channelId, userId)));
    },

    leaveGroupDm: async (_root, args, ctx) => {
      const callerId = signedIn(ctx);
      const channelId = id(args.channelId, 'channelId');
      await participantGroupDm(ctx, channelId);
      const state = await committed(ctx, ctx.store.leaveGroupDm(callerId, channelId));
      if (state.deleted) ctx.loaders.channel.clear(channelId);
      else fresh(ctx, state);
      return channelId;
    },
  },
};
