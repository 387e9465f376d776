/**
 * The only place bus subjects are spelled: producers build them, the router and workers build their
 * patterns and parse what arrives with these functions. Subjects are relative to the bus prefix.
 *
 * They are designed for fan-out: one per user, per guild and per channel, so a router subscribes
 * only to what its connected clients can see. Channel subjects carry the guild (or `dm`) as a token
 * of their own, so one wildcard covers a guild's channels (`channel.<guildId>.*.messages`) and
 * another a channel wherever it lives (`channel.*.<id>.messages`).
 */

declare const subjectBrand: unique symbol;
/**
 * A concrete subject made by `subjects`: events are built only on these (newEvent), so a subject
 * spelled by hand does not compile.
 */
export type Subject = string & { readonly [subjectBrand]: true };

const DM = 'dm';
const where = (guildId: string | null) => guildId ?? DM;
const subject = (value: string) => value as Subject;

export const subjects = {
  /** Everything addressed to one user: DMs, friends, blocks, sessions, their guild memberships, read states. */
  user: (userId: string) => subject(`user.${userId}`),
  /** Guild-wide changes: the guild itself, its channels, roles and members. */
  guild: (guildId: string) => subject(`guild.${guildId}`),
  /**
   * Message activity in one container (channel, DM, group DM or thread: channelId is the container),
   * and thread events under their parent channel. guildId is null for DMs and group DMs.
   */
  channelMessages: (guildId: string | null, channelId: string) =>
    subject(`channel.${where(guildId)}.${channelId}.messages`),
  /** Typing in one container: ephemeral, never stored. */
  typing: (guildId: string | null, channelId: string) => subject(`typing.${where(guildId)}.${channelId}`),
  /** One user's presence changes, for those who follow that user (friends, for instance). */
  presenceUser: (userId: string) => subject(`presence.user.${userId}`),
  /** Presence of a guild's members, one event per guild the user is in. */
  presenceGuild: (guildId: string) => subject(`presence.guild.${guildId}`),
  /** Orders for one SFU node (VoiceNodeCommand); node ids are subject tokens (letters, digits, - and _). */
  voiceNode: (nodeId: string) => subject(`voice.node.${nodeId}`),
  /** One SFU node's reports of its peers (VoicePeerReported). */
  voicePeers: (nodeId: string) => subject(`voice.peers.${nodeId}`),
} as const;

/** Subscription patterns (NATS wildcards) over the subjects above. */
export const subjectPatterns = {
  /** Message activity in every channel and thread of one guild. */
  guildChannels: (guildId: string) => `channel.${guildId}.*.messages`,
  /** Message activity in one channel or thread, wherever it lives (a guild or `dm`). */
  channelAnywhere: (channelId: string) => `channel.*.${channelId}.messages`,
  /** Typing in every channel and thread of one guild. */
  guildTyping: (guildId: string) => `typing.${guildId}.*`,
  /** Every SFU node's peer reports. */
  voicePeersAll: 'voice.peers.*',
} as const;

/** A subject, read back into the family it belongs to and the ids it names. */
export type ParsedSubject =
  | { kind: 'user'; userId: string }
  | { kind: 'guild'; guildId: string }
  | { kind: 'messages'; guildId: string | null; channelId: string }
  | { kind: 'typing'; guildId: string | null; channelId: string }
  | { kind: 'presenceUser'; userId: string }
  | { kind: 'presenceGuild'; guildId: string }
  | { kind: 'other' };

const guildOf = (token: string) => (token === DM ? null : token);

/** The inverse of `subjects`: `{ kind: 'other' }` for anything they do not build. */
export function parseSubject(value: string): ParsedSubject {
  const t = value.split('.');
  const [family] = t;
  if (family === 'user' && t.length === 2) return { kind: 'user', userId: t[1]! };
  if (family === 'guild' && t.length === 2) return { kind: 'guild', guildId: t[1]! };
  if (family === 'channel' && t.length === 4 && t[3] === 'messages')
    return { kind: 'messages', guildId: guildOf(t[1]!), channelId: t[2]! };
  if (family === 'typing' && t.length === 3)
    return { kind: 'typing', guildId: guildOf(t[1]!), channelId: t[2]! };
  if (family === 'presence' && t.length === 3 && t[1] === 'user')
    return { kind: 'presenceUser', userId: t[2]! };
  if (family === 'presence' && t.length === 3 && t[1] === 'guild')
    return { kind: 'presenceGuild', guildId: t[2]! };
  return { kind: 'other' };
}
