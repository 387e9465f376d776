/**
 * Discord-compatible permission bits: the same values, so a Discord-literate client or bot reads our
 * bitfields as it reads Discord's. Names follow GoChat's issue list where Discord's differ
 * (CREATE_INVITE = CREATE_INSTANT_INVITE, MANAGE_EMOJIS = MANAGE_GUILD_EXPRESSIONS,
 * CREATE_THREADS = CREATE_PUBLIC_THREADS).
 */
export const PERMISSIONS = {
  CREATE_INVITE: 1n << 0n,
  KICK_MEMBERS: 1n << 1n,
  BAN_MEMBERS: 1n << 2n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_AUDIT_LOG: 1n << 7n,
  STREAM: 1n << 9n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MENTION_EVERYONE: 1n << 17n,
  CONNECT: 1n << 20n,
  SPEAK: 1n << 21n,
  MUTE_MEMBERS: 1n << 22n,
  DEAFEN_MEMBERS: 1n << 23n,
  MOVE_MEMBERS: 1n << 24n,
  CHANGE_NICKNAME: 1n << 26n,
  MANAGE_NICKNAMES: 1n << 27n,
  MANAGE_ROLES: 1n << 28n,
  MANAGE_EMOJIS: 1n << 30n,
  MANAGE_THREADS: 1n << 34n,
  CREATE_THREADS: 1n << 35n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
  MODERATE_MEMBERS: 1n << 40n,
} as const;

export type PermissionName = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as PermissionName[];

/** Every bit GoChat knows; a bitfield with any other bit is refused on input. */
export const ALL_PERMISSIONS: bigint = Object.values(PERMISSIONS).reduce((a, b) => a | b, 0n);

const P = PERMISSIONS;

/** What @everyone holds in a new guild: talk, read, react, invite, join voice. */
export const DEFAULT_EVERYONE_PERMISSIONS: bigint =
  P.VIEW_CHANNEL |
  P.CREATE_INVITE |
  P.CHANGE_NICKNAME |
  P.SEND_MESSAGES |
  P.SEND_MESSAGES_IN_THREADS |
  P.CREATE_THREADS |
  P.EMBED_LINKS |
  P.ATTACH_FILES |
  P.ADD_REACTIONS |
  P.READ_MESSAGE_HISTORY |
  P.CONNECT |
  P.SPEAK |
  P.STREAM;

/** What each participant of a DM or group DM may do there. */
export const DM_PARTICIPANT_PERMISSIONS: bigint =
  P.VIEW_CHANNEL |
  P.SEND_MESSAGES |
  P.READ_MESSAGE_HISTORY |
  P.ADD_REACTIONS |
  P.EMBED_LINKS |
  P.ATTACH_FILES |
  P.CONNECT |
  P.SPEAK |
  P.STREAM;

/** Bits that only make sense guild-wide; channel overwrites never carry them (Discord refuses them too). */
export const GUILD_ONLY_PERMISSIONS: bigint =
  P.ADMINISTRATOR |
  P.MANAGE_GUILD |
  P.VIEW_AUDIT_LOG |
  P.KICK_MEMBERS |
  P.BAN_MEMBERS |
  P.MODERATE_MEMBERS |
  P.CHANGE_NICKNAME |
  P.MANAGE_NICKNAMES |
  P.MANAGE_EMOJIS;

/** What a member under a timeout keeps (as in Discord): they can look, not act. */
export const TIMED_OUT_PERMISSIONS: bigint = P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY;

/** Without SEND_MESSAGES these are meaningless, so Discord removes them implicitly; so do we. */
export const SEND_DEPENDENT_PERMISSIONS: bigint = P.MENTION_EVERYONE | P.ATTACH_FILES | P.EMBED_LINKS;

export const has = (bits: bigint, permission: bigint): boolean => (bits & permission) === permission;

export const namesOf = (bits: bigint): PermissionName[] => PERMISSION_NAMES.filter((n) => has(bits, P[n]));

export const bitsOf = (names: readonly PermissionName[]): bigint => names.reduce((acc, n) => acc | P[n], 0n);

/** Parses a decimal bitfield string; undefined when malformed or carrying unknown bits. */
export function parseBitfield(value: string): bigint | undefined {
  if (!/^(0|[1-9]\d{0,19})$/.test(value)) return undefined;
  const bits = BigInt(value);
  return (bits & ~ALL_PERMISSIONS) === 0n ? bits : undefined;
}
