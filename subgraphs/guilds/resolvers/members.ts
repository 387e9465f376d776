import { forbidden, notFound, parseInput, validation } from '@gochat/errors';
import { PERMISSIONS, basePermissions, has, requirePermissions } from '@gochat/permissions';
import { z } from 'zod';

import { guildAccess, loadGuild, loadMember, memberContext, requireOutranks } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { MemberRow } from '../store/rows.ts';
import { committed, id, memberKey, optionalId, type GuildsContext } from './context.ts';
import { parseReason } from './input.ts';
import { isEveryone, requireRoleBelow } from './roles.ts';

/** Discord's longest timeout. */
export const MAX_TIMEOUT_MS = 28 * 24 * 60 * 60 * 1000;

const first = z.number().int().min(1, 'at least 1').max(1000, 'at most 1000');
const nickname = z.string().trim().min(1, 'at least 1 character').max(32, 'at most 32 characters').nullable();

/** The member a mutation acts on, with the caller's access to their guild (NOT_FOUND before FORBIDDEN). */
async function targetMember(ctx: GuildsContext, args: { guildId: string; userId: string }) {
  const guildId = id(args.guildId, 'guildId');
  const userId = id(args.userId, 'userId');
  const access = await guildAccess(ctx, guildId);
  const target = await loadMember(ctx, guildId, userId);
  return { access, guildId, userId, target };
}

/** Commits a write to one member; later field resolvers of this request must see the new row, not the loader's. */
async function memberWritten(ctx: GuildsContext, write: Promise<MemberRow>): Promise<MemberRow> {
  const member = await committed(ctx, write);
  const key = memberKey(member.guildId, member.userId);
  ctx.loaders.member.clear(key).prime(key, member);
  return member;
}

/** Gives or takes a role (checks in the domain's order: the role, the member, then the caller's rights). */
async function assignRole(
  ctx: GuildsContext,
  args: { guildId: string; userId: string; roleId: string; reason?: string | null },
  write: 'addMemberRole' | 'removeMemberRole',
): Promise<MemberRow> {
  const guildId = id(args.guildId, 'guildId');
  const userId = id(args.userId, 'userId');
  const roleId = id(args.roleId, 'roleId');
  const access = await guildAccess(ctx, guildId);
  const role = access.roles.find((r) => r.id === roleId);
  if (!role) throw notFound('Role');
  await loadMember(ctx, guildId, userId);
  requirePermissions(access.permissions, 'MANAGE_ROLES');
  requireRoleBelow(access, role);
  if (isEveryone(role)) throw validation('roleId: every member has @everyone', 'roleId');
  const reason = parseReason(args.reason);
  return memberWritten(ctx, ctx.store[write](access.userId, guildId, userId, roleId, reason));
}

export const membersResolvers: Resolvers = {
  Query: {
    guildMembers: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const after = optionalId(args.after, 'after');
      await guildAccess(ctx, guildId);
      const limit = parseInput(first, args.first ?? 100, 'first');
      return ctx.store.guildMembersPage(guildId, limit, after);
    },
    guildMember: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const userId = id(args.userId, 'userId');
      await guildAccess(ctx, guildId);
      return loadMember(ctx, guildId, userId);
    },
  },

  Member: {
    user: (member) => ({ id: member.userId }),
    guild: (member, _args, ctx) => loadGuild(ctx, member.guildId),
    /** Highest first, ties by id; @everyone is implied and not listed. */
    roles: async (member, _args, ctx) => {
      const held = new Set(member.roleIds);
      const roles = await ctx.loaders.roles.load(member.guildId);
      return roles
        .filter((r) => held.has(r.id) && !isEveryone(r))
        .sort((a, b) => b.position - a.position || (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    },
    /** A timeout that has passed is no timeout: null. */
    timeoutUntil: (member) =>
      member.timeoutUntil && member.timeoutUntil > new Date() ? member.timeoutUntil : null,
    permissions: async (member, _args, ctx) => {
      const [guild, roles] = await Promise.all([
        loadGuild(ctx, member.guildId),
        ctx.loaders.roles.load(member.guildId),
      ]);
      return basePermissions(memberContext(guild, member, roles)).toString();
    },
  },

  Mutation: {
    addMemberRole: (_root, args, ctx) => assignRole(ctx, args, 'addMemberRole'),
    removeMemberRole: (_root, args, ctx) => assignRole(ctx, args, 'removeMemberRole'),

    updateMember: async (_root, args, ctx) => {
      const { access, guildId, userId, target } = await targetMember(ctx, args);
      if (userId === access.userId) requirePermissions(access.permissions, 'CHANGE_NICKNAME');
      else {
        requirePermissions(access.permissions, 'MANAGE_NICKNAMES');
        await requireOutranks(ctx, access, userId);
      }
      if (args.input.nickname === undefined) return target;
      const value = parseInput(nickname, args.input.nickname, 'input.nickname');
      const reason = parseReason(args.reason);
      return memberWritten(ctx, ctx.store.setMemberNickname(access.userId, guildId, userId, value, reason));
    },

    timeoutMember: async (_root, args, ctx) => {
      const { access, guildId, userId, target } = await targetMember(ctx, args);
      requirePermissions(access.permissions, 'MODERATE_MEMBERS');
      await requireOutranks(ctx, access, userId);
      const until = args.until ?? null;
      if (until) {
        const targetPermissions = basePermissions(memberContext(access.guild, target, access.roles));
        if (has(targetPermissions, PERMISSIONS.ADMINISTRATOR))
          throw forbidden('Administrators cannot be timed out.');
        const ahead = until.getTime() - Date.now();
        if (ahead <= 0) throw validation('until: must be in the future', 'until');
        if (ahead > MAX_TIMEOUT_MS) throw validation('until: at most 28 days ahead', 'until');
      }
      const reason = parseReason(args.reason);
      return memberWritten(ctx, ctx.store.setMemberTimeout(access.userId, guildId, userId, until, reason));
    },
  },
};
