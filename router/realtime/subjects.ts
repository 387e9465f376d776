/** A bus subject, parsed into what feed rules filter on (subjects: packages/events catalog). */
export type ParsedSubject =
  | { kind: 'user'; userId: string }
  | { kind: 'guild'; guildId: string }
  | { kind: 'messages'; guildId: string | null; channelId: string }
  | { kind: 'typing'; guildId: string | null; channelId: string }
  | { kind: 'presenceUser'; userId: string }
  | { kind: 'presenceGuild'; guildId: string }
  | { kind: 'other' };

export function parseSubject(subject: string): ParsedSubject {
  const t = subject.split('.');
  const guildOf = (token: string) => (token === 'dm' ? null : token);
  if (t[0] === 'user' && t.length === 2) return { kind: 'user', userId: t[1]! };
  if (t[0] === 'guild' && t.length === 2) return { kind: 'guild', guildId: t[1]! };
  if (t[0] === 'channel' && t.length === 4 && t[3] === 'messages')
    return { kind: 'messages', guildId: guildOf(t[1]!), channelId: t[2]! };
  if (t[0] === 'typing' && t.length === 3)
    return { kind: 'typing', guildId: guildOf(t[1]!), channelId: t[2]! };
  if (t[0] === 'presence' && t[1] === 'user' && t.length === 3)
    return { kind: 'presenceUser', userId: t[2]! };
  if (t[0] === 'presence' && t[1] === 'guild' && t.length === 3)
    return { kind: 'presenceGuild', guildId: t[2]! };
  return { kind: 'other' };
}

/** Guild events after which any member's view of the guild may differ. */
const GUILD_ACCESS_EVENTS = new Set([
  'ChannelCreated',
  'ChannelUpdated',
  'ChannelDeleted',
  'RoleUpdated',
  'RoleDeleted',
  'GuildOwnerChanged',
  'GuildDeleted',
]);
/** Guild events that change only the view of the member they name. */
const MEMBER_ACCESS_EVENTS = new Set(['GuildMemberUpdated', 'GuildMemberRemoved']);

/**
 * Whether a guild event may change what `userId` sees there, so access is re-read before going on.
 * Another member's nickname or departure does not: in a busy guild that would be a re-read per
 * viewer per member change.
 */
export function changesGuildAccess(
  event: { type: string; data: Record<string, unknown> },
  userId: string,
): boolean {
  return (
    GUILD_ACCESS_EVENTS.has(event.type) ||
    (MEMBER_ACCESS_EVENTS.has(event.type) && event.data.userId === userId)
  );
}

/** Events on a user's own subject that change which guilds, DMs or friends they have. */
export const USER_ACCESS_EVENTS = new Set([
  'GuildCreated',
  'GuildMemberAdded',
  'GuildMemberRemoved',
  'DirectChannelCreated',
  'DirectChannelUpdated',
  'FriendAdded',
  'FriendRemoved',
]);

/** How a member left a guild, as a feed's end reason. */
export function removalReason(data: Record<string, unknown>): 'KICKED' | 'BANNED' | 'LEFT' {
  return data.reason === 'kick' ? 'KICKED' : data.reason === 'ban' ? 'BANNED' : 'LEFT';
}

/** The channel whose permissions govern an event of a container: a thread's parent, or itself. */
export function governingChannel(data: Record<string, unknown>, containerId: string): string {
  return typeof data.parentChannelId === 'string' ? data.parentChannelId : containerId;
}
