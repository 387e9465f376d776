import { ALL_PERMISSIONS } from './bits.ts';

export interface RankedRole {
  id: string;
  position: number;
}

/**
 * A member's rank is their highest role's position; @everyone is 0 and the owner outranks all.
 * Discord's rule: you act only on roles and members strictly below your own rank.
 */
export function rankOf(userId: string, ownerId: string, roles: readonly RankedRole[]): number {
  if (userId === ownerId) return Number.POSITIVE_INFINITY;
  return roles.reduce((top, r) => Math.max(top, r.position), 0);
}

export const outranks = (actorRank: number, targetRank: number): boolean => actorRank > targetRank;

/** A member may hand out only bits they hold themselves (owners and administrators hold all). */
export const canGrant = (actorPermissions: bigint, requested: bigint): boolean =>
  actorPermissions === ALL_PERMISSIONS || (requested & ~actorPermissions) === 0n;
