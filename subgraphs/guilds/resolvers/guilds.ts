import { forbidden, parseInput, validation } from '@gochat/errors';
import { canGrant, namesOf, type PermissionName } from '@gochat/permissions';
import { z } from 'zod';

import { guildAccess, loadMember, readableGuild, requireGuildPermission, requireOwner } from '../access.ts';
import type { Resolvers, UpdateGuildInput } from '../generated/resolvers.ts';
import type { GuildPatch, NewGuild } from '../store/guilds.ts';
import type { GuildRow } from '../store/rows.ts';
import { viewableOrNull, visibleChannels } from './channels.ts';
import { committed, id, loaded, memberKey, optionalId, signedIn, type GuildsContext } from './context.ts';
import { parseBits, parseReason, parseVoiceRegion } from './input.ts';

const guildName = z.string().trim().min(2, 'at least 2 characters').max(100, 'at most 100 characters');
/** Blank clears. */
const description = z
  .string()
  .trim()
  .max(1000, 'at most 1000 characters')
  .transform((v) => v || null);
const icon = z
  .string()
  .trim()
  .max(512, 'at most 512 characters')
  .transform((v) => v || null);

function newGuild(input: {
  name: string;
  description?: string | null;
  icon?: string | null;
  public?: boolean | null;
}): NewGuild {
  return {
    name: parseInput(guildName, input.name, 'input.name'),
    description:
      input.description == null ? null : parseInput(description, input.description, 'input.description'),
    icon: input.icon == null ? null : parseInput(icon, input.icon, 'input.icon'),
    public: input.public ?? false,
  };
}

/** Validated settings changes; basePermissions is parsed by the caller (it needs more permissions). */
function guildPatch(input: UpdateGuildInput): Omit<GuildPatch, 'basePermissions'> {
  const patch: Omit<GuildPatch, 'basePermissions'> = {};
  for (const field of ['name', 'public', 'basePermissions'] as const)
    if (input[field] === null) throw validation(`input.${field}: cannot be null`, `input.${field}`);
  if (input.name != null) patch.name = parseInput(guildName, input.name, 'input.name');
  if (input.description !== undefined)
    patch.description =
      input.description === null ? null : parseInput(description, input.description, 'input.description');
  if (input.icon !== undefined)
    patch.icon = input.icon === null ? null : parseInput(icon, input.icon, 'input.icon');
  if (input.public != null) patch.public = input.public;
  if (input.systemChannelId !== undefined)
    patch.systemChannelId = optionalId(input.systemChannelId, 'input.systemChannelId') ?? null;
  if (input.voiceRegion !== undefined)
    patch.voiceRegion = parseVoiceRegion(input.voiceRegion, 'input.voiceRegion');
  return patch;
}

/** After a write: forget what this request cached about the guild and read it again. */
async function reread(ctx: GuildsContext, guildId: string): Promise<GuildRow> {
  ctx.loaders.roles.clear(guildId);
  return loaded(ctx.loaders.guild.clear(guildId), guildId, 'Guild');
}

export const guildsResolvers: Resolvers = {
  Query: {
    guild: (_root, args, ctx) => readableGuild(ctx, id(args.id, 'id')),
    myGuilds: (_root, _args, ctx) => ctx.store.guildsOfUser(signedIn(ctx)),
  },

  Guild: {
    __resolveReference: (ref, ctx) => readableGuild(ctx, id(ref.id, 'id')),
    owner: (guild) => ({ id: guild.ownerId }),
    systemChannel: (guild, _args, ctx) =>
      guild.systemChannelId ? viewableOrNull(ctx, guild.systemChannelId) : null,
    basePermissions: async (guild, _args, ctx) => {
      const everyone = (await ctx.loaders.roles.load(guild.id)).find((r) => r.id === guild.id);
      return (everyone?.permissions ?? 0n).toString();
    },
    memberCount: (guild, _args, ctx) => ctx.loaders.memberCount.load(guild.id),
    channels: (guild, _args, ctx) => visibleChannels(ctx, guild.id),
    me: async (guild, _args, ctx) => (await guildAccess(ctx, guild.id)).member,
  },

  Mutation: {
    createGuild: async (_root, args, ctx) => {
      const ownerId = signedIn(ctx);
      const guild = await committed(ctx, ctx.store.createGuild(ownerId, newGuild(args.input)));
      ctx.loaders.guild.prime(guild.id, guild);
      return guild;
    },

    updateGuild: async (_root, args, ctx) => {
      const guildId = id(args.id, 'id');
      optionalId(args.input.systemChannelId, 'input.systemChannelId');
      const needed: PermissionName[] = ['MANAGE_GUILD'];
      if (args.input.basePermissions !== undefined) needed.push('MANAGE_ROLES');
      const access = await requireGuildPermission(ctx, guildId, ...needed);
      const patch: GuildPatch = guildPatch(args.input);
      if (args.input.basePermissions != null) {
        const bits = parseBits(args.input.basePermissions, 'input.basePermissions');
        if (!canGrant(access.permissions, bits))
          throw forbidden(
            `You can only grant permissions you hold: ${namesOf(bits & ~access.permissions).join(', ')}.`,
          );
        patch.basePermissions = bits;
      }
      await committed(ctx, ctx.store.updateGuild(guildId, access.userId, patch));
      return reread(ctx, guildId);
    },

    deleteGuild: async (_root, args, ctx) => {
      const guildId = id(args.id, 'id');
      const access = await requireOwner(ctx, guildId);
      await committed(ctx, ctx.store.deleteGuild(guildId, access.userId));
      ctx.loaders.guild.clear(guildId);
      return guildId;
    },

    leaveGuild: async (_root, args, ctx) => {
      const guildId = id(args.id, 'id');
      const access = await guildAccess(ctx, guildId);
      if (access.isOwner) throw forbidden('The owner cannot leave the guild: transfer ownership first.');
      await committed(ctx, ctx.store.leaveGuild(guildId, access.userId));
      ctx.loaders.member.clear(memberKey(guildId, access.userId));
      return guildId;
    },

    transferGuildOwnership: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const userId = id(args.userId, 'userId');
      const access = await requireOwner(ctx, guildId);
      await loadMember(ctx, guildId, userId);
      if (userId === access.userId) throw validation('userId: you already own this guild', 'userId');
      const reason = parseReason(args.reason);
      await committed(ctx, ctx.store.transferGuildOwnership(guildId, access.userId, userId, reason));
      return reread(ctx, guildId);
    },
  },
};
