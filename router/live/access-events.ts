import type { EventPayloads, EventType } from '@gochat/events';

import type { LiveEvent } from './event.ts';

/**
 * Whether a guild event may change what `userId` sees there, so access is re-read before going on:
 * channel, role and ownership changes whoever they concern; a member change only when it is the
 * viewer's own (another member's nickname or departure would otherwise be a re-read per viewer per
 * member change in a busy guild).
 */
export function changesGuildAccess(event: LiveEvent, userId: string): boolean {
  if (GUILD_ACCESS_EVENTS.has(event.type)) return true;
  return (
    (event.type === 'GuildMemberUpdated' || event.type === 'GuildMemberRemoved') &&
    event.data.userId === userId
  );
}

const GUILD_ACCESS_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'ChannelCreated',
  'ChannelUpdated',
  'ChannelDeleted',
  'RoleUpdated',
  'RoleDeleted',
  'GuildOwnerChanged',
  'GuildDeleted',
]);

/** Events on a user's own subject that change which guilds, DMs or friends they have. */
export function changesUserAccess(event: LiveEvent): boolean {
  return USER_ACCESS_EVENTS.has(event.type);
}

const USER_ACCESS_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'GuildCreated',
  'GuildMemberAdded',
  'GuildMemberRemoved',
  'DirectChannelCreated',
  'DirectChannelUpdated',
  'FriendAdded',
  'FriendRemoved',
]);

/** How a member left a guild, as a feed's end reason. */
export function removalReason(data: EventPayloads['GuildMemberRemoved']): 'KICKED' | 'BANNED' | 'LEFT' {
  return data.reason === 'kick' ? 'KICKED' : data.reason === 'ban' ? 'BANNED' : 'LEFT';
}

/**
 * The channel whose permissions govern an event of a container: a thread's parent, or the container
 * itself (events that name no parent, such as ThreadMembersUpdated, travel on the parent's subject).
 */
export function governingChannel(event: LiveEvent, containerId: string): string {
  return 'parentChannelId' in event.data ? event.data.parentChannelId : containerId;
}
