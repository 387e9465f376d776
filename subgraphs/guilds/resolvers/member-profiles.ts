import { isSnowflake } from '@gochat/ids';
import DataLoader from 'dataloader';

import type { Resolvers } from '../generated/resolvers.ts';
import type { MemberProfileRow, ProfileViewer } from '../store/member-profiles.ts';
import type { MemberRow, RoleRow } from '../store/rows.ts';
import { memberKey, type GuildsContext } from './context.ts';
import { isEveryone } from './roles.ts';

/**
 * Member as an entity (Message.member): the gateway sends a page's authors in one _entities call,
 * whose references are collected here into one statement. A reference the caller may not see (a
 * guild they are not in), or that names no membership, resolves to null, never to an error: a
 * message whose author left still renders.
 */
const perRequest = new WeakMap<GuildsContext, DataLoader<string, MemberProfileRow | null>>();

function viewerOf(ctx: GuildsContext): ProfileViewer | undefined {
  const identity = ctx.identity;
  if (identity.kind === 'user') return { userId: identity.userId };
  if (identity.kind === 'scope' && isSnowflake(identity.scope.channelId))
    return { scopeChannelId: identity.scope.channelId };
  return undefined;
}

function profilesOf(ctx: GuildsContext): DataLoader<string, MemberProfileRow | null> {
  let loader = perRequest.get(ctx);
  if (loader) return loader;
  const viewer = viewerOf(ctx);
  loader = new DataLoader(async (keys: readonly string[]) => {
    if (!viewer) return keys.map(() => null);
    const pairs = keys.map((key) => {
      const [guildId = '', userId = ''] = key.split(':');
      return { guildId, userId };
    });
    const rows = await ctx.store.memberProfiles(pairs, viewer);
    const byKey = new Map(rows.map((row) => [memberKey(row.guildId, row.userId), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
  perRequest.set(ctx, loader);
  return loader;
}

const isProfile = (member: MemberRow): member is MemberProfileRow => 'color' in member;

/** The member's roles besides @everyone, highest first (ties: the older role), as Member.roles. */
async function heldRoles(ctx: GuildsContext, member: MemberRow): Promise<RoleRow[]> {
  const held = new Set(member.roleIds);
  const roles = await ctx.loaders.roles.load(member.guildId);
  return roles
    .filter((r) => held.has(r.id) && !isEveryone(r))
    .sort((a, b) => b.position - a.position || (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

export const memberProfilesResolvers: Resolvers = {
  Member: {
    __resolveReference: (ref, ctx) =>
      isSnowflake(ref.guildId) && isSnowflake(ref.userId)
        ? profilesOf(ctx).load(memberKey(ref.guildId, ref.userId))
        : null,
    // A profile row has both already (ordered in SQL); members read elsewhere compute them.
    roleIds: async (member, _args, ctx) =>
      isProfile(member) ? member.roleIds : (await heldRoles(ctx, member)).map((r) => r.id),
    color: async (member, _args, ctx) =>
      isProfile(member)
        ? member.color
        : ((await heldRoles(ctx, member)).find((r) => r.color !== 0)?.color ?? null),
  },
};
