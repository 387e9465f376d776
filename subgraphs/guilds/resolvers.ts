import { parseInput, unauthenticated, validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';
import type { BaseContext } from '@gochat/subgraph-kit';
import { DateTimeScalar } from '@gochat/subgraph-kit';
import { z } from 'zod';

import { ownedGuild, readableChannel, readableGuild, type AccessLoaders } from './access.ts';
import type { Resolvers } from './generated/resolvers.ts';
import type { GuildsStore } from './store.ts';

export interface GuildsContext extends BaseContext {
  store: GuildsStore;
  loaders: AccessLoaders;
  kick(): void;
}

const guildName = z.string().trim().min(2, 'at least 2 characters').max(100, 'at most 100 characters');
const channelName = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters');
const first = z.number().int().min(1, 'at least 1').max(100, 'at most 100');

/** Ids arrive as GraphQL IDs (any string); a malformed one can name nothing. */
function id(value: string, field: string): string {
  if (!isSnowflake(value)) throw validation(`${field}: not a valid id`, field);
  return value;
}

function signedIn(ctx: GuildsContext): string {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  return ctx.identity.userId;
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,

  Guild: {
    __resolveReference: (ref, ctx) => readableGuild(ctx.identity, id(ref.id, 'id'), ctx.loaders),
    owner: (guild) => ({ id: guild.ownerId }),
    channels: (guild, _args, ctx) => ctx.store.channelsOfGuild(guild.id),
    members: async (guild, args, ctx) => {
      const limit = parseInput(first, args.first ?? 100, 'first');
      return (await ctx.store.memberIds(guild.id, limit)).map((userId) => ({ id: userId }));
    },
  },

  Channel: {
    __resolveReference: (ref, ctx) => readableChannel(ctx.identity, id(ref.id, 'id'), ctx.loaders),
    kind: () => 'TEXT',
    guild: (channel, _args, ctx) => readableGuild(ctx.identity, channel.guildId, ctx.loaders),
  },

  Query: {
    guild: (_root, args, ctx) => readableGuild(ctx.identity, id(args.id, 'id'), ctx.loaders),
    channel: (_root, args, ctx) => readableChannel(ctx.identity, id(args.id, 'id'), ctx.loaders),
    myGuilds: (_root, _args, ctx) => ctx.store.guildsOfUser(signedIn(ctx)),
  },

  Mutation: {
    createGuild: async (_root, args, ctx) => {
      const ownerId = signedIn(ctx);
      const guild = await ctx.store.createGuild(ownerId, parseInput(guildName, args.name, 'name'));
      ctx.kick();
      return guild;
    },
    createChannel: async (_root, args, ctx) => {
      const guild = await ownedGuild(ctx.identity, id(args.guildId, 'guildId'), ctx.loaders);
      const channel = await ctx.store.createChannel(guild.id, parseInput(channelName, args.name, 'name'));
      ctx.kick();
      return channel;
    },
    addGuildMember: async (_root, args, ctx) => {
      const guild = await ownedGuild(ctx.identity, id(args.guildId, 'guildId'), ctx.loaders);
      const added = await ctx.store.addMember(guild.id, id(args.userId, 'userId'));
      if (added) ctx.kick();
      return guild;
    },
  },
};
