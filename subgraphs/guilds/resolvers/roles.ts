import { forbidden, notFound, parseInput, validation } from '@gochat/errors';
import { canGrant, namesOf } from '@gochat/permissions';
import { z } from 'zod';

import { loadGuild, readableGuild, requireGuildPermission, type GuildAccess } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { RoleRow } from '../store/rows.ts';
import { MAX_ROLES, sortRoles, type RoleFields } from '../store/roles.ts';
import { committed, id, type GuildsContext } from './context.ts';
import { parseBits, parseReason } from './input.ts';

const roleName = z.string().trim().min(1, 'at least 1 character').max(100, 'at most 100 characters');
const color = z.number().int().min(0, 'at least 0').max(0xffffff, 'at most 16777215');

const createRoleInput = z.object({
  name: roleName,
  color: color.nullish(),
  hoist: z.boolean().nullish(),
  mentionable: z.boolean().nullish(),
  permissions: z.string().nullish(),
});

/** Omitted fields stay as they are; null is not a value for any of them. */
const updateRoleInput = z.object({
  name: roleName.optional(),
  color: color.optional(),
  hoist: z.boolean().optional(),
  mentionable: z.boolean().optional(),
  permissions: z.string().optional(),
});

const positionsInput = z
  .array(z.object({ id: z.string(), position: z.number().int().min(1, 'at least 1') }))
  .min(1, 'at least one role')
  .max(MAX_ROLES, `at most ${MAX_ROLES} roles`)
  .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'a role appears twice');

export const isEveryone = (role: RoleRow) => role.id === role.guildId;

/** Whether the caller ranks above the role: owners above all, everyone above @everyone. */
export const outranksRole = (access: GuildAccess, role: RoleRow): boolean =>
  access.isOwner || isEveryone(role) || role.position < access.rank;

/** Roles are managed only below the caller's highest role (owners excepted); @everyone by any MANAGE_ROLES holder. */
export function requireRoleBelow(access: GuildAccess, role: RoleRow): void {
  if (!outranksRole(access, role)) throw forbidden('The role must be below your highest role.');
}

/** Changing a role's bits (adding or removing) needs those bits, as in Discord. */
function requireGrantable(access: GuildAccess, before: bigint, after: bigint | undefined): void {
  if (after !== undefined && !canGrant(access.permissions, before ^ after))
    throw forbidden('You cannot grant or revoke permissions you do not have.');
}

async function loadRole(ctx: GuildsContext, roleId: string): Promise<RoleRow> {
  const [role] = await ctx.store.rolesByIds([roleId]);
  if (!role) throw notFound('Role');
  return role;
}

/** The guild's roles after a write in this request: the loader's copy is stale. */
function rolesChanged(ctx: GuildsContext, guildId: string): void {
  ctx.loaders.roles.clear(guildId);
}

export const rolesResolvers: Resolvers = {
  Guild: {
    roles: async (guild, _args, ctx) => sortRoles(await ctx.loaders.roles.load(guild.id)),
  },

  Role: {
    __resolveReference: async (ref, ctx) => {
      const role = await loadRole(ctx, id(ref.id, 'id'));
      await readableGuild(ctx, role.guildId);
      return role;
    },
    guild: (role, _args, ctx) => loadGuild(ctx, role.guildId),
    permissions: (role) => role.permissions.toString(),
    permissionNames: (role) => namesOf(role.permissions),
    isEveryone: (role) => isEveryone(role),
  },

  Mutation: {
    createRole: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const access = await requireGuildPermission(ctx, guildId, 'MANAGE_ROLES');
      const input = parseInput(createRoleInput, args.input, 'input');
      const reason = parseReason(args.reason);
      const permissions = parseBits(input.permissions ?? '0', 'input.permissions');
      requireGrantable(access, 0n, permissions);
      const fields: RoleFields = {
        name: input.name,
        color: input.color ?? 0,
        hoist: input.hoist ?? false,
        mentionable: input.mentionable ?? false,
        permissions,
      };
      const role = await committed(ctx, ctx.store.createRole(access.userId, guildId, fields, reason));
      rolesChanged(ctx, guildId);
      return role;
    },

    updateRole: async (_root, args, ctx) => {
      const role = await loadRole(ctx, id(args.id, 'id'));
      const access = await requireGuildPermission(ctx, role.guildId, 'MANAGE_ROLES');
      requireRoleBelow(access, role);
      const input = parseInput(updateRoleInput, args.input, 'input');
      const reason = parseReason(args.reason);
      if (isEveryone(role) && input.name !== undefined && input.name !== role.name)
        throw validation('input.name: @everyone cannot be renamed', 'input.name');
      const { permissions: bits, ...rest } = input;
      const permissions = bits === undefined ? undefined : parseBits(bits, 'input.permissions');
      requireGrantable(access, role.permissions, permissions);
      const patch: Partial<RoleFields> = { ...rest, ...(permissions === undefined ? {} : { permissions }) };
      const updated = await committed(
        ctx,
        ctx.store.updateRole(access.userId, role.id, patch, reason, (current) => {
          requireRoleBelow(access, current);
          requireGrantable(access, current.permissions, permissions);
        }),
      );
      rolesChanged(ctx, role.guildId);
      return updated;
    },

    deleteRole: async (_root, args, ctx) => {
      const role = await loadRole(ctx, id(args.id, 'id'));
      const access = await requireGuildPermission(ctx, role.guildId, 'MANAGE_ROLES');
      requireRoleBelow(access, role);
      if (isEveryone(role)) throw validation('@everyone cannot be deleted', 'id');
      const reason = parseReason(args.reason);
      await committed(
        ctx,
        ctx.store.deleteRole(access.userId, role.id, reason, (current) => requireRoleBelow(access, current)),
      );
      rolesChanged(ctx, role.guildId);
      return role.id;
    },

    reorderRoles: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const requested = args.positions.map((p, i) => ({
        id: id(p.id, `positions.${i}.id`),
        position: p.position,
      }));
      const access = await requireGuildPermission(ctx, guildId, 'MANAGE_ROLES');
      /** Every role named exists in the guild (NOT_FOUND), the caller outranks it and its new slot (FORBIDDEN). */
      const check = (current: RoleRow[]) => {
        const byId = new Map(current.map((r) => [r.id, r]));
        for (const p of requested) {
          const role = byId.get(p.id);
          if (!role) throw notFound('Role');
          if (isEveryone(role)) continue;
          requireRoleBelow(access, role);
          if (!access.isOwner && !(p.position < access.rank))
            throw forbidden('Roles can only be moved below your highest role.');
        }
      };
      check(access.roles);
      const positions = parseInput(positionsInput, requested, 'positions');
      if (positions.some((p) => p.id === guildId))
        throw validation('positions: @everyone cannot be moved', 'positions');
      const reason = parseReason(args.reason);
      const result = await committed(
        ctx,
        ctx.store.reorderRoles(access.userId, guildId, positions, reason, check),
      );
      rolesChanged(ctx, guildId);
      return result;
    },
  },
};
