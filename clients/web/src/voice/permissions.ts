import { hasPermission } from '../media/format.ts';

/** The voice permission bits (packages/permissions), as Channel.myPermissions carries them. */
export const STREAM = 1n << 9n;
export const CONNECT = 1n << 20n;
export const SPEAK = 1n << 21n;
export const MUTE_MEMBERS = 1n << 22n;
export const DEAFEN_MEMBERS = 1n << 23n;
export const MOVE_MEMBERS = 1n << 24n;

/** Whether a decimal bitfield holds the permission (ADMINISTRATOR holds all). */
export const hasVoicePermission = (bitfield: string | null | undefined, permission: bigint): boolean =>
  hasPermission(bitfield, permission);
