/**
 * What the holder may do in the room, decided by the API when it signs the token (the channel's
 * permissions and settings, the member's voice state). The SFU enforces these itself: it never asks
 * the API during a call, and moderation changes reach it as orders, not as new tokens.
 */
export interface VoiceRights {
  /** SPEAK: may send the microphone. */
  speak: boolean;
  /** STREAM: may send a camera, a screen and the screen's audio. */
  stream: boolean;
  /** Server-muted by a moderator: no audio reaches the room. */
  serverMute: boolean;
  /** Server-deafened by a moderator: hears nothing (and, as in Discord, is muted too). */
  serverDeaf: boolean;
  /** The channel's audio bitrate, bits per second, 8 000 to 384 000. */
  bitrate: number;
  /** The channel's user limit, 0 (none) to 99. */
  userLimit: number;
  /** MOVE_MEMBERS: may join a channel that is full. */
  bypassUserLimit: boolean;
}

export const VOICE_RIGHTS_LIMITS = {
  minBitrate: 8_000,
  maxBitrate: 384_000,
  maxUserLimit: 99,
} as const;

/**
 * The rights as the token carries them, in its `vr` claim: `[flags, bitrate, userLimit]`, where
 * flags is the sum of speak 1, stream 2, serverMute 4, serverDeaf 8 and bypassUserLimit 16. Three
 * numbers instead of an object of seven members keeps the token short.
 */
export type VoiceRightsClaim = [flags: number, bitrate: number, userLimit: number];

const FLAGS = { speak: 1, stream: 2, serverMute: 4, serverDeaf: 8, bypassUserLimit: 16 } as const;
type Flag = keyof typeof FLAGS;
const FLAG_NAMES = Object.keys(FLAGS) as Flag[];
const ALL_FLAGS = FLAG_NAMES.reduce((all, name) => all | FLAGS[name], 0);
const RIGHT_NAMES = new Set<string>([...FLAG_NAMES, 'bitrate', 'userLimit']);

const isBitrate = (value: unknown): value is number =>
  Number.isSafeInteger(value) &&
  (value as number) >= VOICE_RIGHTS_LIMITS.minBitrate &&
  (value as number) <= VOICE_RIGHTS_LIMITS.maxBitrate;

const isUserLimit = (value: unknown): value is number =>
  Number.isSafeInteger(value) &&
  (value as number) >= 0 &&
  (value as number) <= VOICE_RIGHTS_LIMITS.maxUserLimit;

/** The rights, checked strictly: every member present with its type and range, and no other. */
export function requireRights(rights: unknown, what: string): VoiceRights {
  if (typeof rights !== 'object' || rights === null || Array.isArray(rights)) {
    throw new TypeError(`${what} must be an object`);
  }
  const record = rights as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!RIGHT_NAMES.has(name)) throw new TypeError(`${what} has an unknown member "${name}"`);
  }
  for (const name of FLAG_NAMES) {
    if (typeof record[name] !== 'boolean') throw new TypeError(`${what}.${name} must be a boolean`);
  }
  if (!isBitrate(record.bitrate)) {
    throw new TypeError(
      `${what}.bitrate must be a whole number of bits per second from ${VOICE_RIGHTS_LIMITS.minBitrate} to ${VOICE_RIGHTS_LIMITS.maxBitrate}`,
    );
  }
  if (!isUserLimit(record.userLimit)) {
    throw new TypeError(
      `${what}.userLimit must be a whole number from 0 to ${VOICE_RIGHTS_LIMITS.maxUserLimit}`,
    );
  }
  return {
    speak: record.speak as boolean,
    stream: record.stream as boolean,
    serverMute: record.serverMute as boolean,
    serverDeaf: record.serverDeaf as boolean,
    bitrate: record.bitrate,
    userLimit: record.userLimit,
    bypassUserLimit: record.bypassUserLimit as boolean,
  };
}

export function encodeRights(rights: VoiceRights): VoiceRightsClaim {
  const flags = FLAG_NAMES.reduce((sum, name) => (rights[name] ? sum | FLAGS[name] : sum), 0);
  return [flags, rights.bitrate, rights.userLimit];
}

/** The rights in a `vr` claim, or undefined when it is not exactly what encodeRights writes. */
export function decodeRights(claim: unknown): VoiceRights | undefined {
  if (!Array.isArray(claim) || claim.length !== 3) return undefined;
  const [flags, bitrate, userLimit] = claim as unknown[];
  if (!Number.isSafeInteger(flags) || (flags as number) < 0 || ((flags as number) & ~ALL_FLAGS) !== 0) {
    return undefined;
  }
  if (!isBitrate(bitrate) || !isUserLimit(userLimit)) return undefined;
  const has = (name: Flag) => ((flags as number) & FLAGS[name]) !== 0;
  return {
    speak: has('speak'),
    stream: has('stream'),
    serverMute: has('serverMute'),
    serverDeaf: has('serverDeaf'),
    bitrate,
    userLimit,
    bypassUserLimit: has('bypassUserLimit'),
  };
}
