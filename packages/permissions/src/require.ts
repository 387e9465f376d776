import { forbidden } from '@gochat/errors';

import { PERMISSIONS, has, type PermissionName } from './bits.ts';

/** FORBIDDEN naming every listed permission the bits lack; the one check both subgraphs use. */
export function requirePermissions(bits: bigint, ...required: PermissionName[]): void {
  const lacking = required.filter((name) => !has(bits, PERMISSIONS[name]));
  if (lacking.length)
    throw forbidden(`Missing permission${lacking.length > 1 ? 's' : ''}: ${lacking.join(', ')}.`);
}

/** A member is timed out while their timeout lies in the future. */
export const isTimedOut = (timeoutUntil: Date | null, now = new Date()): boolean =>
  timeoutUntil !== null && timeoutUntil > now;
