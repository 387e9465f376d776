import { forbidden, isDomainError, notFound, parseInput, validation } from '@gochat/errors';
import {
  ALL_PERMISSIONS,
  GUILD_ONLY_PERMISSIONS,
  PERMISSIONS,
  canGrant,
  has,
  namesOf,
  type PermissionName,
} from '@gochat/permissions';
import { z } from 'zod';

import {
  channelAccess,
  guildAccess,
  loadMember,
  permissionsIn,
  readableGuild,
  requireGuildChannel,
  requireGuildPermission,
} from '../access.ts';
import { normalizeChannelName } from '../channel-names.ts';
import type {
  ChannelKind,
  CreateChannelInput,
  Resolvers,
  UpdateChannelInput,
} from '../generated/resolvers.ts';
import type { ChannelPatch, GuildChannelKind, NewChannel } from '../store/channels.ts';
import type { ChannelRow, OverwriteRow } from '../store/rows.ts';
import { committed, id, loaded, optionalId, type GuildsContext } from './context.ts';
import { parseBits, parseReason, parseVoiceRegion } from './input.ts';
import { outranksRole } from './roles.ts';

const KIND_OUT: Record<ChannelRow['kind'], ChannelKind> = {
  text: 'TEXT',
  voice: 'VOICE',
  category: 'CATEGORY',
  dm: 'DM',
  group_dm: 'GROUP_DM',
};

const KIND_IN: Partial<Record<ChannelKind, GuildChannelKind>> = {
  TEXT: 'text',
  VOICE: 'voice',
  CATEGORY: 'category',
};

export const DEFAULT_BITRATE = 64_000;
/** Discord's most members at once in a (non-stage) voice channel; 0 means no limit. */
export const MAX_USER_LIMIT = 99;

const name = z.string().min(1, 'at least 1 character').max(100, 'at most 100 characters');
const topic = z.string().max(1024, 'at most 1024 characters');
const slowmode = z.number().int().min(0, 'at least 0').max(21_600, 'at most 21600 (6 hours)');
const bitrate = z.number().int().min(8_000, 'at least 8000').max(384_000, 'at most 384000');
const userLimit = z
  .number()
  .int()
  .min(0, 'at least 0')
  .max(MAX_USER_LIMIT, `at most ${MAX_USER_LIMIT} (0 for no limit)`);
const position = z.number().int().min(0, 'at least 0').max(1_000_000, 'at most 1000000');

/** Rejects a value given for a field the channel's kind does not have. */
function onlyFor(kind: GuildChannelKind, allowed: GuildChannelKind[], field: string, value: unknown) {
  if (value !== undefined && value !== null && !allowed.includes(kind))
    throw validation(`${field}: only for ${allowed.join(' and ')} channels`, field);
}

function channelName(kind: GuildChannelKind, raw: string, field: string): string {
  return parseInput(name, normalizeChannelName(kind, raw), field);
}

/** Validated fields of a new channel (VALIDATION names the first bad one). */
export function newChannelFields(input: CreateChannelInput): NewChannel {
  const requested = input.kind ?? 'TEXT';
  const kind = KIND_IN[requested];
  if (!kind) throw validation('input.kind: guild channels are TEXT, VOICE or CATEGORY', 'input.kind');
  onlyFor(kind, ['text'], 'input.topic', input.topic);
  onlyFor(kind, ['text'], 'input.slowmodeSeconds', input.slowmodeSeconds || null);
  onlyFor(kind, ['voice'], 'input.bitrate', input.bitrate);
  onlyFor(kind, ['voice'], 'input.voiceRegion', input.voiceRegion);
  onlyFor(kind, ['voice'], 'input.userLimit', input.userLimit || null);
  return {
    kind,
    name: channelName(kind, input.name, 'input.name'),
    topic: input.topic ? parseInput(topic, input.topic, 'input.topic') : null,
    parentId: optionalId(input.parentId, 'input.parentId') ?? null,
    position: input.position == null ? undefined : parseInput(position, input.position, 'input.position'),
    slowmodeSeconds:
      input.slowmodeSeconds == null
        ? 0
        : parseInput(slowmode, input.slowmodeSeconds, 'input.slowmodeSeconds'),
    voiceRegion: parseVoiceRegion(input.voiceRegion ?? null, 'input.voiceRegion'),
    bitrate:
      kind === 'voice'
        ? input.bitrate == null
          ? DEFAULT_BITRATE
          : parseInput(bitrate, input.bitrate, 'input.bitrate')
        : null,
    userLimit: input.userLimit == null ? 0 : parseInput(userLimit, input.userLimit, 'input.userLimit'),
  };
}

const required = (value: unknown, field: string) => {
  if (value === null) throw validation(`${field}: cannot be null`, field);
};

/** Validated changes to a channel of the given kind (VALIDATION names the first bad field). */
export function channelPatch(kind: GuildChannelKind, input: UpdateChannelInput): ChannelPatch {
  const patch: ChannelPatch = {};
  onlyFor(kind, ['text'], 'input.topic', input.topic);
  onlyFor(kind, ['text'], 'input.slowmodeSeconds', input.slowmodeSeconds || null);
  onlyFor(kind, ['voice'], 'input.bitrate', input.bitrate);
  onlyFor(kind, ['voice'], 'input.voiceRegion', input.voiceRegion);
  onlyFor(kind, ['voice'], 'input.userLimit', input.userLimit || null);
  for (const field of ['name', 'position', 'slowmodeSeconds', 'bitrate', 'userLimit', 'private'] as const)
    required(input[field], `input.${field}`);
  if (input.name != null) patch.name = channelName(kind, input.name, 'input.name');
  if (input.topic !== undefined)
    patch.topic = input.topic ? parseInput(topic, input.topic, 'input.topic') : null;
  if (input.parentId !== undefined) patch.parentId = optionalId(input.parentId, 'input.parentId') ?? null;
  if (input.position != null) patch.position = parseInput(position, input.position, 'input.position');
  if (input.slowmodeSeconds != null)
    patch.slowmodeSeconds = parseInput(slowmode, input.slowmodeSeconds, 'input.slowmodeSeconds');
  if (input.voiceRegion !== undefined)
    patch.voiceRegion = parseVoiceRegion(input.voiceRegion, 'input.voiceRegion');
  if (input.bitrate != null) patch.bitrate = parseInput(bitrate, input.bitrate, 'input.bitrate');
  if (input.userLimit != null) patch.userLimit = parseInput(userLimit, input.userLimit, 'input.userLimit');
  return patch;
}

/** The member's effective permissions in a guild channel with these overwrites. */
const isPrivate = (channel: ChannelRow, overwrites: readonly OverwriteRow[]) =>
  overwrites.some(
    (o) => o.targetType === 'role' && o.targetId === channel.guildId && has(o.deny, PERMISSIONS.VIEW_CHANNEL),
  );

/** The guild's channels the caller can view, by position then id (a scoped hydration sees its channel). */
export async function visibleChannels(ctx: GuildsContext, guildId: string): Promise<ChannelRow[]> {
  if (ctx.identity.kind === 'scope') {
    const scoped = ctx.identity.scope.channelId;
    return (await ctx.store.channelsOfGuild(guildId)).filter((c) => c.id === scoped);
  }
  const [access, rows] = await Promise.all([guildAccess(ctx, guildId), ctx.store.channelsOfGuild(guildId)]);
  for (const row of rows) ctx.loaders.channel.clear(row.id).prime(row.id, row);
  if (access.permissions === ALL_PERMISSIONS) return rows;
  const overwrites = await ctx.loaders.overwrites.loadMany(rows.map((r) => r.id));
  return rows.filter((row, i) => {
    const list = overwrites[i];
    if (list instanceof Error) throw list;
    return has(permissionsIn(access, list ?? []), PERMISSIONS.VIEW_CHANNEL);
  });
}

/** A channel the caller can view, or null (hidden, gone, or not theirs to see). */
export async function viewableOrNull(ctx: GuildsContext, channelId: string): Promise<ChannelRow | null> {
  try {
    return (await channelAccess(ctx, channelId)).channel;
  } catch (error) {
    if (isDomainError(error) && (error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND')) return null;
    throw error;
  }
}

/** After a write: forget what this request cached about the channel and read it again. */
async function reread(ctx: GuildsContext, channelId: string): Promise<ChannelRow> {
  ctx.loaders.overwrites.clear(channelId);
  return loaded(ctx.loaders.channel.clear(channelId), channelId, 'Channel');
}

export const channelsResolvers: Resolvers = {
  Query: {
    channel: async (_root, args, ctx) => (await channelAccess(ctx, id(args.id, 'id'))).channel,
  },

  Channel: {
    __resolveReference: async (ref, ctx) => (await channelAccess(ctx, id(ref.id, 'id'))).channel,
    kind: (channel) => KIND_OUT[channel.kind],
    guild: async (channel, _args, ctx) => {
      if (channel.guildId === null) return null;
      return readableGuild(ctx, channel.guildId);
    },
    parent: (channel, _args, ctx) => (channel.parentId ? viewableOrNull(ctx, channel.parentId) : null),
    private: async (channel, _args, ctx) =>
      channel.guildId !== null && isPrivate(channel, await ctx.loaders.overwrites.load(channel.id)),
    overwrites: (channel, _args, ctx) =>
      channel.guildId === null ? [] : ctx.loaders.overwrites.load(channel.id),
    myPermissions: async (channel, _args, ctx) =>
      (await channelAccess(ctx, channel.id)).permissions.toString(),
  },

  PermissionOverwrite: {
    targetType: (o) => (o.targetType === 'role' ? 'ROLE' : 'MEMBER'),
    allow: (o) => o.allow.toString(),
    deny: (o) => o.deny.toString(),
  },

  Mutation: {
    createChannel: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      optionalId(args.input.parentId, 'input.parentId');
      const access = await requireGuildPermission(ctx, guildId, 'MANAGE_CHANNELS');
      const fields = newChannelFields(args.input);
      if (args.input.private === null) throw validation('input.private: cannot be null', 'input.private');
      const hidden = args.input.private === true;
      const channel = await committed(
        ctx,
        ctx.store.createChannel(guildId, access.userId, fields, {
          private: hidden,
          // The creator must not lock themselves out (owners and administrators see everything anyway).
          keepVisibleFor: hidden && access.permissions !== ALL_PERMISSIONS ? access.userId : null,
          reason: parseReason(args.reason),
        }),
      );
      ctx.loaders.channel.prime(channel.id, channel);
      return channel;
    },

    updateChannel: async (_root, args, ctx) => {
      const channelId = id(args.id, 'id');
      optionalId(args.input.parentId, 'input.parentId');
      const needed: PermissionName[] = ['MANAGE_CHANNELS'];
      if (args.input.private !== undefined) needed.push('MANAGE_ROLES');
      const access = await requireGuildChannel(ctx, channelId, ...needed);
      const kind = access.channel.kind as GuildChannelKind;
      const patch = channelPatch(kind, args.input);
      await committed(
        ctx,
        ctx.store.updateChannel(channelId, access.guild.userId, patch, {
          ...(args.input.private == null ? {} : { private: args.input.private }),
          reason: parseReason(args.reason),
        }),
      );
      return reread(ctx, channelId);
    },

    deleteChannel: async (_root, args, ctx) => {
      const channelId = id(args.id, 'id');
      const access = await requireGuildChannel(ctx, channelId, 'MANAGE_CHANNELS');
      await committed(ctx, ctx.store.deleteChannel(channelId, access.guild.userId, parseReason(args.reason)));
      ctx.loaders.channel.clear(channelId);
      return channelId;
    },

    reorderChannels: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const moves = args.positions.map((p, i) => ({
        id: id(p.id, `positions.${i}.id`),
        parentId: optionalId(p.parentId, `positions.${i}.parentId`),
        position: p.position,
      }));
      const access = await requireGuildPermission(ctx, guildId, 'MANAGE_CHANNELS');
      if (moves.length === 0) throw validation('positions: list at least one channel', 'positions');
      if (moves.length > 500) throw validation('positions: at most 500 channels', 'positions');
      for (const [i, move] of moves.entries()) parseInput(position, move.position, `positions.${i}.position`);
      await committed(
        ctx,
        ctx.store.reorderChannels(
          guildId,
          access.userId,
          moves.map((m) => (m.parentId === undefined ? { id: m.id, position: m.position } : m)),
          parseReason(args.reason),
        ),
      );
      return visibleChannels(ctx, guildId);
    },

    setChannelOverwrite: async (_root, args, ctx) => {
      const channelId = id(args.channelId, 'channelId');
      const targetId = id(args.input.targetId, 'input.targetId');
      const allow = parseBits(args.input.allow, 'input.allow');
      const deny = parseBits(args.input.deny, 'input.deny');
      const access = await requireGuildChannel(ctx, channelId, 'MANAGE_ROLES');
      const guild = access.guild;
      const targetType = args.input.targetType === 'ROLE' ? 'role' : 'member';
      if (targetType === 'role') {
        const role = guild.roles.find((r) => r.id === targetId);
        if (!role) throw notFound('Role');
        if (!outranksRole(guild, role))
          throw forbidden('You can only set overwrites for roles below your highest role.');
      } else await loadMember(ctx, guild.guild.id, targetId);
      // As in Discord: what the caller holds in this channel, overwrites included.
      if (!canGrant(access.permissions, allow | deny))
        throw forbidden(
          `You can only allow or deny permissions you hold here: ${namesOf((allow | deny) & ~access.permissions).join(', ')}.`,
        );
      for (const [field, value] of [
        ['input.allow', allow],
        ['input.deny', deny],
      ] as const)
        if ((value & GUILD_ONLY_PERMISSIONS) !== 0n)
          throw validation(
            `${field}: guild-wide permissions cannot be set on a channel: ${namesOf(value & GUILD_ONLY_PERMISSIONS).join(', ')}`,
            field,
          );
      if ((allow & deny) !== 0n)
        throw validation(
          `input: a permission cannot be both allowed and denied: ${namesOf(allow & deny).join(', ')}`,
          'input.deny',
        );
      await committed(
        ctx,
        ctx.store.setChannelOverwrite(
          channelId,
          guild.guild.id,
          guild.userId,
          { targetType, targetId, allow, deny },
          parseReason(args.reason),
        ),
      );
      return reread(ctx, channelId);
    },

    deleteChannelOverwrite: async (_root, args, ctx) => {
      const channelId = id(args.channelId, 'channelId');
      const targetId = id(args.targetId, 'targetId');
      const access = await requireGuildChannel(ctx, channelId, 'MANAGE_ROLES');
      const guild = access.guild;
      const existing = (await ctx.loaders.overwrites.load(channelId)).find((o) => o.targetId === targetId);
      if (!existing) throw notFound('Overwrite');
      const role = existing.targetType === 'role' ? guild.roles.find((r) => r.id === targetId) : undefined;
      if (role && !outranksRole(guild, role))
        throw forbidden('You can only remove overwrites of roles below your highest role.');
      if (!canGrant(access.permissions, existing.allow | existing.deny))
        throw forbidden('The overwrite carries permissions you do not hold.');
      await committed(
        ctx,
        ctx.store.deleteChannelOverwrite(
          channelId,
          guild.guild.id,
          guild.userId,
          targetId,
          parseReason(args.reason),
        ),
      );
      return reread(ctx, channelId);
    },
  },
};
