import { forbidden, notFound, unauthenticated } from '@gochat/errors';
import {
  PERMISSIONS,
  basePermissions,
  channelPermissions,
  directChannelPermissions,
  has,
  isTimedOut,
  rankOf,
  requirePermissions,
  type MemberContext,
  type PermissionName,
} from '@gochat/permissions';

import { loaded, memberKey, signedIn, type GuildsContext } from './resolvers/context.ts';
import type { ChannelRow, GuildRow, MemberRow, OverwriteRow, RoleRow } from './store/rows.ts';

/** The caller as a member of a guild, with what they may do there. */
export interface GuildAccess {
  guild: GuildRow;
  userId: string;
  member: MemberRow;
  /** Every role of the guild, lowest position first; roles[0] is @everyone. */
  roles: RoleRow[];
  permissions: bigint;
  /** Highest role position; Infinity for the owner. */
  rank: number;
  isOwner: boolean;
}

export interface ChannelAccess {
  channel: ChannelRow;
  permissions: bigint;
  /** Set for guild channels. */
  guild?: GuildAccess;
}

export function memberContext(guild: GuildRow, member: MemberRow, roles: RoleRow[]): MemberContext {
  const held = new Set(member.roleIds);
  return {
    userId: member.userId,
    guildId: guild.id,
    ownerId: guild.ownerId,
    everyone: roles.find((r) => r.id === guild.id)?.permissions ?? 0n,
    roles: roles.filter((r) => held.has(r.id)).map((r) => ({ id: r.id, permissions: r.permissions })),
    timedOut: isTimedOut(member.timeoutUntil),
  };
}

/** The member's effective permissions in a guild channel with these overwrites. */
export const permissionsIn = (access: GuildAccess, overwrites: readonly OverwriteRow[]): bigint =>
  channelPermissions(memberContext(access.guild, access.member, access.roles), overwrites);

/** A member's rank among the guild's roles: the owner outranks everyone. */
export function memberRank(guild: GuildRow, member: MemberRow, roles: RoleRow[]): number {
  const held = new Set(member.roleIds);
  return rankOf(
    member.userId,
    guild.ownerId,
    roles.filter((r) => held.has(r.id)),
  );
}

export const loadGuild = (ctx: GuildsContext, guildId: string): Promise<GuildRow> =>
  loaded(ctx.loaders.guild, guildId, 'Guild');

export const loadMember = (ctx: GuildsContext, guildId: string, userId: string): Promise<MemberRow> =>
  loaded(ctx.loaders.member, memberKey(guildId, userId), 'Member');

/** The caller's membership of the guild: UNAUTHENTICATED, NOT_FOUND or FORBIDDEN otherwise. */
export async function guildAccess(ctx: GuildsContext, guildId: string): Promise<GuildAccess> {
  const userId = signedIn(ctx);
  const guild = await loadGuild(ctx, guildId);
  const [member, roles] = await Promise.all([
    ctx.loaders.member.load(memberKey(guildId, userId)),
    ctx.loaders.roles.load(guildId),
  ]);
  if (!member) throw forbidden('Not a member of this guild.');
  const permissions = basePermissions(memberContext(guild, member, roles));
  return {
    guild,
    userId,
    member,
    roles,
    permissions,
    rank: memberRank(guild, member, roles),
    isOwner: guild.ownerId === userId,
  };
}

/** The caller's membership, requiring every listed guild-level permission. */
export async function requireGuildPermission(
  ctx: GuildsContext,
  guildId: string,
  ...required: PermissionName[]
): Promise<GuildAccess> {
  const access = await guildAccess(ctx, guildId);
  requirePermissions(access.permissions, ...required);
  return access;
}

/** Owner-only operations. */
export async function requireOwner(ctx: GuildsContext, guildId: string): Promise<GuildAccess> {
  const access = await guildAccess(ctx, guildId);
  if (!access.isOwner) throw forbidden('Only the guild owner can do this.');
  return access;
}

/** Guild readable by the caller: members, or a router hydration scoped to one of its channels. */
export async function readableGuild(ctx: GuildsContext, guildId: string): Promise<GuildRow> {
  if (ctx.identity.kind === 'scope') {
    const guild = await loadGuild(ctx, guildId);
    const scoped = await ctx.loaders.channel.load(ctx.identity.scope.channelId);
    if (scoped?.guildId === guildId) return guild;
    throw forbidden('Not a member of this guild.');
  }
  return (await guildAccess(ctx, guildId)).guild;
}

/** The caller's effective permissions in a channel; FORBIDDEN when they cannot view it. */
export async function channelAccess(ctx: GuildsContext, channelId: string): Promise<ChannelAccess> {
  if (ctx.identity.kind === 'anonymous') throw unauthenticated();
  const channel = await ctx.loaders.channel.load(channelId);
  if (!channel) throw notFound('Channel');
  if (ctx.identity.kind === 'scope') {
    if (ctx.identity.scope.channelId !== channelId) throw forbidden('Not allowed to view this channel.');
    return { channel, permissions: PERMISSIONS.VIEW_CHANNEL | PERMISSIONS.READ_MESSAGE_HISTORY };
  }
  const userId = ctx.identity.userId;
  if (channel.guildId === null) {
    const recipients = await ctx.loaders.recipients.load(channelId);
    const permissions = directChannelPermissions(recipients.includes(userId));
    if (permissions === 0n) throw forbidden('Not a participant of this conversation.');
    return { channel, permissions };
  }
  const guild = await guildAccess(ctx, channel.guildId);
  const permissions = permissionsIn(guild, await ctx.loaders.overwrites.load(channelId));
  if (!has(permissions, PERMISSIONS.VIEW_CHANNEL)) throw forbidden('Not allowed to view this channel.');
  return { channel, permissions, guild };
}

/** Channel access requiring every listed permission in that channel. */
export async function requireChannelPermission(
  ctx: GuildsContext,
  channelId: string,
  ...required: PermissionName[]
): Promise<ChannelAccess> {
  const access = await channelAccess(ctx, channelId);
  requirePermissions(access.permissions, ...required);
  return access;
}

/** A guild channel (not a DM) the caller manages with the given permissions. */
export async function requireGuildChannel(
  ctx: GuildsContext,
  channelId: string,
  ...required: PermissionName[]
): Promise<ChannelAccess & { guild: GuildAccess }> {
  const access = await requireChannelPermission(ctx, channelId, ...required);
  if (!access.guild) throw forbidden('Not a guild channel.');
  return access as ChannelAccess & { guild: GuildAccess };
}

/** The caller acts on another member only when they outrank them (owners outrank all; nobody acts on the owner). */
export async function requireOutranks(
  ctx: GuildsContext,
  access: GuildAccess,
  targetUserId: string,
): Promise<MemberRow | undefined> {
  if (targetUserId === access.guild.ownerId) throw forbidden('The guild owner cannot be targeted.');
  const target = await ctx.loaders.member.load(memberKey(access.guild.id, targetUserId));
  const targetRank = target ? memberRank(access.guild, target, access.roles) : 0;
  if (!(access.rank > targetRank)) throw forbidden("Your highest role must be above the target's.");
  return target;
}
