import { requireRights, type VoiceRights } from './rights.ts';

/** What a voice token admits: one user into one channel's call, on one SFU node, with these rights. */
export interface VoiceGrant {
  userId: string;
  channelId: string;
  /** null for a call outside any guild (a direct-message call). */
  guildId: string | null;
  nodeId: string;
  /** What the holder may do there; the SFU enforces it. */
  rights: VoiceRights;
}

export const VOICE_TOKEN_ALG = 'EdDSA';
export const VOICE_TOKEN_TYPE = 'gochat-voice+jwt';
export const MAX_ID_LENGTH = 100;
export const MIN_TTL_SECONDS = 5;
export const MAX_TTL_SECONDS = 3600;

/** The audience names a single node, so a token minted for one SFU is useless on every other. */
export function audienceOf(nodeId: string): string {
  return `sfu:${nodeId}`;
}

export function isBoundedId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH;
}

export function requireBoundedId(value: unknown, what: string): string {
  if (!isBoundedId(value)) {
    throw new TypeError(`${what} must be a string of 1 to ${MAX_ID_LENGTH} characters`);
  }
  return value;
}

export function requireGrant(grant: unknown): VoiceGrant {
  if (typeof grant !== 'object' || grant === null) {
    throw new TypeError('voice grant must be an object');
  }
  const { userId, channelId, guildId, nodeId, rights } = grant as Record<string, unknown>;
  if (guildId !== null && !isBoundedId(guildId)) {
    throw new TypeError(`voice grant: guildId must be null or a string of 1 to ${MAX_ID_LENGTH} characters`);
  }
  return {
    userId: requireBoundedId(userId, 'voice grant: userId'),
    channelId: requireBoundedId(channelId, 'voice grant: channelId'),
    guildId,
    nodeId: requireBoundedId(nodeId, 'voice grant: nodeId'),
    rights: requireRights(rights, 'voice grant: rights'),
  };
}
