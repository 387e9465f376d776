/**
 * Every event GoChat publishes: its subject and its payload. docs/events.md explains them for
 * consumers; a test keeps the two in step. Payloads carry ids, not entity data: subscribers (the
 * router, workers) load what they need, so a payload never goes stale or leaks fields.
 *
 * Subjects are relative to the bus prefix and designed for fan-out: one per user, per guild and per
 * channel, so a router subscribes only to what its connected clients can see.
 */
export const subjects = {
  /** Everything addressed to one user: profile changes today; DMs, friends and read states later. */
  user: (userId: string) => `user.${userId}`,
  /** Guild-wide changes: the guild itself, its channels and its members. */
  guild: (guildId: string) => `guild.${guildId}`,
  /** Message activity in one channel. */
  channelMessages: (channelId: string) => `channel.${channelId}.messages`,
} as const;

export interface EventPayloads {
  /** A user's display name or handle changed. Subject: user.<userId>. */
  UserUpdated: { userId: string };
  /** A guild was created. Subject: guild.<guildId>. */
  GuildCreated: { guildId: string; ownerId: string };
  /** A text channel was created in a guild. Subject: guild.<guildId>. */
  ChannelCreated: { guildId: string; channelId: string };
  /** A user became a member of a guild. Subject: guild.<guildId>. */
  GuildMemberAdded: { guildId: string; userId: string };
  /** A message was sent. Subject: channel.<channelId>.messages. */
  MessageCreated: { messageId: string; channelId: string; guildId: string; authorId: string };
}

export type EventType = keyof EventPayloads;

export const EVENT_TYPES = [
  'UserUpdated',
  'GuildCreated',
  'ChannelCreated',
  'GuildMemberAdded',
  'MessageCreated',
] as const satisfies readonly EventType[];

export interface NewEvent<T extends EventType = EventType> {
  subject: string;
  type: T;
  data: EventPayloads[T];
}

/** Builds an event for the outbox, with its payload type checked against the catalog. */
export function newEvent<T extends EventType>(type: T, subject: string, data: EventPayloads[T]): NewEvent<T> {
  return { type, subject, data };
}
