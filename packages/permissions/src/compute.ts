import {
  ALL_PERMISSIONS,
  DM_PARTICIPANT_PERMISSIONS,
  PERMISSIONS,
  SEND_DEPENDENT_PERMISSIONS,
  TIMED_OUT_PERMISSIONS,
} from './bits.ts';

export interface RoleGrant {
  id: string;
  permissions: bigint;
}

export interface Overwrite {
  /** A role id (the guild id for @everyone) or a user id. */
  targetId: string;
  targetType: 'role' | 'member';
  allow: bigint;
  deny: bigint;
}

/** Everything the algorithm needs to know about one member of one guild. */
export interface MemberContext {
  userId: string;
  guildId: string;
  ownerId: string;
  /** @everyone's permissions (the role whose id is the guild id). */
  everyone: bigint;
  /** The member's other roles. */
  roles: readonly RoleGrant[];
  /** True while the member is timed out. */
  timedOut?: boolean;
}

/** Guild-level permissions: steps 1-3 of Discord's algorithm. */
export function basePermissions(m: MemberContext): bigint {
  if (m.userId === m.ownerId) return ALL_PERMISSIONS;
  let bits = m.everyone;
  for (const role of m.roles) bits |= role.permissions;
  if ((bits & PERMISSIONS.ADMINISTRATOR) !== 0n) return ALL_PERMISSIONS;
  return m.timedOut ? bits & TIMED_OUT_PERMISSIONS : bits;
}

/**
 * Channel-level permissions: Discord's order (@everyone overwrite, then the roles' overwrites taken
 * together, then the member's), each applying deny before allow; a channel the member cannot view
 * grants nothing, and send-dependent bits go with SEND_MESSAGES.
 */
export function channelPermissions(m: MemberContext, overwrites: readonly Overwrite[]): bigint {
  const base = basePermissions(m);
  if (base === ALL_PERMISSIONS) return ALL_PERMISSIONS;
  let bits = base;
  const everyone = overwrites.find((o) => o.targetType === 'role' && o.targetId === m.guildId);
  if (everyone) bits = (bits & ~everyone.deny) | everyone.allow;
  const roleIds = new Set(m.roles.map((r) => r.id));
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites)
    if (o.targetType === 'role' && o.targetId !== m.guildId && roleIds.has(o.targetId)) {
      allow |= o.allow;
      deny |= o.deny;
    }
  bits = (bits & ~deny) | allow;
  const own = overwrites.find((o) => o.targetType === 'member' && o.targetId === m.userId);
  if (own) bits = (bits & ~own.deny) | own.allow;
  if (m.timedOut) bits &= TIMED_OUT_PERMISSIONS;
  if ((bits & PERMISSIONS.VIEW_CHANNEL) === 0n) return 0n;
  if ((bits & PERMISSIONS.SEND_MESSAGES) === 0n) bits &= ~SEND_DEPENDENT_PERMISSIONS;
  return bits;
}

/** DMs and group DMs have no roles: participants get a fixed set, everyone else nothing. */
export const directChannelPermissions = (isParticipant: boolean): bigint =>
  isParticipant ? DM_PARTICIPANT_PERMISSIONS : 0n;
