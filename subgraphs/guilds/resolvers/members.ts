import { forbidden, notFound, parseInput, validation } from '@gochat/errors';
import { PERMISSIONS, basePermissions, has, type PermissionName } from '@gochat/permissions';
import { z } from 'zod';

import {
  guildAccess,
  loadGuild,
  memberContext,
  missing,
  requireOutranks,
  type GuildAccess,
} from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { MemberRow } from '../store/rows.ts';
import { committed, id, memberKey, optionalId, type GuildsContext } from './context.ts';
import { auditReason, isEveryone, requireRoleBelow } from './roles.ts';

/** Discord's longest timeout. */
export const MAX_TIMEOUT_MS = 28 * 24 * 60 * 60 * 1000;

const first = z.number().int().min(1, 'at least 1').max(1000, 'at most 1000');
const nickname = z.string().trim().min(1, 'at least 1 character').max(32, 'at most 32 characters').nullable();

function requireHeld(access: GuildAccess, ...names: PermissionName[]): void {
  const lacking = names.filter((n) => !has(access.permissions, PERMISSIONS[n]));
  if (lacking.length) missing(lacking);
}

async function loadMember(ctx: GuildsContext, guildId: string, userId: string): Promise<MemberRow> {
  const member = await ctx.loaders.member.load(memberKey(guildId, userId));
  if (!member) throw notFound('Member');
  return member;
}

/** A member written in this request: later field resolvers must see the new row, not the loader's. */
function memberChanged(ctx: GuildsContext, member: MemberRow): MemberRow {
  const key = memberKey(member.guildId, member.userId);
  ctx.loaders.member.clear(key).prime(key, member);
  return member;
}

/** The caller, a role of the guild and a member, for role assignment (checks in the domain's order). */
async function roleAssignment(ctx: GuildsContext, args: { guildId: string; userId: string; roleId: string }) {
  const guildId = id(args.guildId, 'guildId');
  const userId = id(args.userId, 'userId');
  const roleId = id(args.roleId, 'roleId');
  const access = await guildAccess(ctx, guildId);
  const role = access.roles.find((r) => r.id === roleId);
  if (!role) throw notFound('Role');
  await loadMember(ctx, guildId, userId);
  requireHeld(access, 'MANAGE_ROLES');
  requireRoleBelow(access, role);
  if (isEveryone(role)) throw validation('roleId: every member has @everyone', 'roleId');
  return { access, guildId, userId, roleId };
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
    addMemberRole: async (_root, args, ctx) => {
      const { access, guildId, userId, roleId } = await roleAssignment(ctx, args);
      const reason = auditReason(args.reason);
      const member = await committed(
        ctx,
        ctx.store.addMemberRole(access.userId, guildId, userId, roleId, reason),
      );
      return memberChanged(ctx, member);
    },

    removeMemberRole: async (_root, args, ctx) => {
      const { access, guildId, userId, roleId } = await roleAssignment(ctx, args);
      const reason = auditReason(args.reason);
      const member = await committed(
        ctx,
        ctx.store.removeMemberRole(access.userId, guildId, userId, roleId, reason),
      );
      return memberChanged(ctx, member);
    },

    updateMember: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const userId = id(args.userId, 'userId');
      const access = await guildAccess(ctx, guildId);
      const target = await loadMember(ctx, guildId, userId);
      if (userId === access.userId) requireHeld(access, 'CHANGE_NICKNAME');
      else {
        requireHeld(access, 'MANAGE_NICKNAMES');
        await requireOutranks(ctx, access, userId);
      }
      if (args.input.nickname === undefined) return target;
      const value = parseInput(nickname, args.input.nickname, 'input.nickname');
      const reason = auditReason(args.reason);
      const member = await committed(
        ctx,
        ctx.store.setMemberNickname(access.userId, guildId, userId, value, reason),
      );
      return memberChanged(ctx, member);
    },

    timeoutMember: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const userId = id(args.userId, 'userId');
      const access = await guildAccess(ctx, guildId);
      const target = await loadMember(ctx, guildId, userId);
      requireHeld(access, 'MODERATE_MEMBERS');
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
      const reason = auditReason(args.reason);
      const member = await committed(
        ctx,
        ctx.store.setMemberTimeout(access.userId, guildId, userId, until, reason),
      );
      return memberChanged(ctx, member);
    },
  },
};
