import type { Logger } from '@gochat/log';
import type { VoiceTokenVerifier } from '@gochat/voice-token';

import type { MediaRooms } from './media.ts';

/** A peer joined its room (`connected: true`) or left it (`false`), for the SFU role to report. */
export interface PeerReport {
  userId: string;
  channelId: string;
  guildId: string | null;
  /** The voice token's id: one per joinVoice, so it tells two sessions of one user apart. */
  sessionId: string;
  connected: boolean;
}

export interface SignallingServerOptions {
  /** Checks voice tokens for this node (give it a replay guard: each token admits once). */
  verifier: VoiceTokenVerifier;
  rooms: MediaRooms;
  log: Logger;
  /** A socket that has not authenticated by then is closed (SIGNALLING_DEFAULTS). */
  authTimeoutMs?: number;
  /** Malformed frames tolerated per socket before it is closed (SIGNALLING_DEFAULTS). */
  maxBadFrames?: number;
  /**
   * What a peer may send per video producer (camera, screen) on top of its audio, bits per second
   * (SIGNALLING_DEFAULTS; see sendBitrateCap in policy.ts).
   */
  videoBitrateAllowance?: number;
  /** After a migration's rejoin window, how long the stragglers' sockets stay open (SIGNALLING_DEFAULTS). */
  migrateGraceMs?: number;
  /**
   * Called once with `connected: true` when a peer has joined its room, and once with `false` when
   * that peer leaves or is closed for any reason. Never for a socket that did not join.
   */
  onPeer?: (report: PeerReport) => void;
}

/** A socket gets this long to authenticate, and this many malformed frames, unless configured. */
export const SIGNALLING_DEFAULTS = {
  authTimeoutMs: 10_000,
  maxBadFrames: 20,
  /** A 1080p30 camera or screen in VP8 or H.264. */
  videoBitrateAllowance: 2_500_000,
  migrateGraceMs: 2_000,
} as const;

export type ResolvedOptions = Required<Omit<SignallingServerOptions, 'onPeer'>> &
  Pick<SignallingServerOptions, 'onPeer'>;

export function resolveOptions(options: SignallingServerOptions): ResolvedOptions {
  const resolved = { ...SIGNALLING_DEFAULTS, ...stripUndefined(options) } as ResolvedOptions;
  const { videoBitrateAllowance, migrateGraceMs } = resolved;
  if (!Number.isSafeInteger(videoBitrateAllowance) || videoBitrateAllowance < 0)
    throw new TypeError('videoBitrateAllowance must be a whole number of bits per second');
  if (!Number.isSafeInteger(migrateGraceMs) || migrateGraceMs < 0)
    throw new TypeError('migrateGraceMs must be a whole number of milliseconds');
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
