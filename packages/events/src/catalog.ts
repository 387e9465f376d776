import type { Embed } from '@gochat/embeds';

import type { Subject } from './subjects.ts';

export { subjects } from './subjects.ts';

type GuildRef = { guildId: string };

/** Why a voice state changed (VoiceStateUpdated). */
export type VoiceStateReason =
  'join' | 'leave' | 'update' | 'moderate' | 'move' | 'disconnect' | 'nodeLost' | 'dropped';

/** A user's state in a voice call, as voiceStates shows it. */
export interface VoiceStatePayload {
  selfMute: boolean;
  selfDeaf: boolean;
  serverMute: boolean;
  serverDeaf: boolean;
  selfVideo: boolean;
  selfStream: boolean;
  /** Whether the SFU node has admitted them (false right after joinVoice). */
  connected: boolean;
}

/** An SFU node's orders (VoiceNodeCommand): each names the room (channelId) it applies to. */
export type VoiceNodeCommandPayload =
  /** Apply a server mute or deafen to the user's peer at once. */
  | {
      command: 'moderate';
      nodeId: string;
      channelId: string;
      userId: string;
      serverMute: boolean;
      serverDeaf: boolean;
    }
  /** Close the user's peer (disconnected by a moderator, left, or joined another call). */
  | {
      command: 'disconnect';
      nodeId: string;
      channelId: string;
      userId: string;
      /**
       * left (leaveVoice), switched (joined another call), moderator, removed (from the guild),
       * stale (a session the API no longer counts: dropped before the node confirmed it).
       */
      reason: 'left' | 'switched' | 'moderator' | 'removed' | 'stale';
    }
  /** Tell the user's peer to join `targetChannelId` (joinVoice), then close it. */
  | { command: 'move'; nodeId: string; channelId: string; userId: string; targetChannelId: string }
  /** Close the room and every peer in it: its channel is gone. */
  | { command: 'close'; nodeId: string; channelId: string }
  /** Tell every peer to join again after a jitter (the room moves to another node), then close the room. */
  | { command: 'migrate'; nodeId: string; channelId: string; rejoinWithinMs: number };
type ActorRef = { actorId: string };

/**
 * Every event GoChat publishes: its subject and its payload. docs/events.md explains them for
 * consumers, with the compatibility rule payloads follow; a test keeps the two in step. Payloads
 * carry ids, not entity data: subscribers (the router, workers) load what they need, so a payload
 * never goes stale or leaks fields. Subjects are built in subjects.ts.
 */
export interface EventPayloads {
  /** A user's display name, handle or avatar changed. Subject: user.<userId>. */
  UserUpdated: { userId: string };
  /**
   * The user deleted their account (deleteAccount): its row stays, scrubbed, as "Deleted User". The
   * guilds subgraph reacts by removing the memberships left. Subject: user.<userId>.
   */
  UserDeleted: { userId: string };
  /** A large upload finished processing in the background (ready or failed). Subject: user.<ownerId>. */
  UploadProcessed: { userId: string; uploadId: string; state: 'ready' | 'failed' };

  /** A guild was created. Subject: guild.<guildId>. */
  GuildCreated: GuildRef & { ownerId: string };
  /** Guild settings changed (fields names what). Subject: guild.<guildId>. */
  GuildUpdated: GuildRef & ActorRef & { fields: string[] };
  /** Ownership passed to another member. Subject: guild.<guildId>. */
  GuildOwnerChanged: GuildRef & ActorRef & { previousOwnerId: string; ownerId: string };
  /** The guild and everything in it was deleted. Subject: guild.<guildId>. */
  GuildDeleted: GuildRef & ActorRef;

  /** A channel was created in a guild. Subject: guild.<guildId>. */
  ChannelCreated: GuildRef & { channelId: string };
  /** A guild channel's settings or overwrites changed. Subject: guild.<guildId>. */
  ChannelUpdated: GuildRef & ActorRef & { channelId: string; fields: string[] };
  /** A guild channel was deleted with its messages. Subject: guild.<guildId>. */
  ChannelDeleted: GuildRef & ActorRef & { channelId: string };
  /** Several channels moved. Subject: guild.<guildId>. */
  ChannelsReordered: GuildRef & ActorRef & { channelIds: string[] };

  /** A role was created. Subject: guild.<guildId>. */
  RoleCreated: GuildRef & ActorRef & { roleId: string };
  /** A role changed. Subject: guild.<guildId>. */
  RoleUpdated: GuildRef & ActorRef & { roleId: string; fields: string[] };
  /** A role was deleted and taken from every member. Subject: guild.<guildId>. */
  RoleDeleted: GuildRef & ActorRef & { roleId: string };
  /** Several roles moved. Subject: guild.<guildId>. */
  RolesReordered: GuildRef & ActorRef & { roleIds: string[] };

  /**
   * A user became a member of a guild (joined, or created it). Subject: guild.<guildId>, and
   * user.<userId> so the user's other clients learn of the new guild.
   */
  GuildMemberAdded: GuildRef & { userId: string; inviteCode?: string };
  /** A member's nickname, roles, timeout or guild avatar (fields: avatar) changed. Subject: guild.<guildId>. */
  GuildMemberUpdated: GuildRef & ActorRef & { userId: string; fields: string[] };
  /**
   * A member left, was kicked or banned. Subject: guild.<guildId>, and user.<userId> so the
   * removed user's clients learn it although they no longer see the guild.
   */
  GuildMemberRemoved: GuildRef & ActorRef & { userId: string; reason: 'leave' | 'kick' | 'ban' };
  /** A user was banned. Subject: guild.<guildId>. */
  GuildBanAdded: GuildRef & ActorRef & { userId: string; deletedMessages: number };
  /** A ban was lifted. Subject: guild.<guildId>. */
  GuildBanRemoved: GuildRef & ActorRef & { userId: string };

  /** An invite was created. Subject: guild.<guildId>. */
  InviteCreated: GuildRef & ActorRef & { code: string };
  /** An invite was revoked. Subject: guild.<guildId>. */
  InviteDeleted: GuildRef & ActorRef & { code: string };

  /** A custom emoji was created. Subject: guild.<guildId>. */
  EmojiCreated: GuildRef & ActorRef & { emojiId: string };
  /** A custom emoji was renamed. Subject: guild.<guildId>. */
  EmojiUpdated: GuildRef & ActorRef & { emojiId: string };
  /** A custom emoji was deleted. Subject: guild.<guildId>. */
  EmojiDeleted: GuildRef & ActorRef & { emojiId: string };

  /** A DM or group DM was created. Subject: user.<userId> of each participant. */
  DirectChannelCreated: { channelId: string; kind: 'dm' | 'group_dm'; recipientIds: string[] };
  /** A group DM's participants, name or owner changed. Subject: user.<userId> of each participant, past and present. */
  DirectChannelUpdated: ActorRef & { channelId: string; recipientIds: string[]; ownerId: string | null };

  /** Subject: user.<userId> of both users. */
  FriendRequestCreated: { senderId: string; recipientId: string };
  /** Declined or cancelled. Subject: user.<userId> of both users. */
  FriendRequestDeleted: { senderId: string; recipientId: string };
  /** Subject: user.<userId> of both users. */
  FriendAdded: { userIds: [string, string] };
  /** Subject: user.<userId> of both users. */
  FriendRemoved: { userIds: [string, string] };
  /** Subject: user.<blockerId> only: the blocked user is not told. */
  UserBlocked: { blockerId: string; blockedId: string };
  /** Subject: user.<blockerId> only. */
  UserUnblocked: { blockerId: string; blockedId: string };
  /**
   * The user's settings changed (updateSettings). Carries the whole document at that version (the
   * shape of @gochat/user-settings' SettingsDocument), so their other devices apply it without a
   * read. Subject: user.<userId> only: nobody else sees another user's settings.
   */
  SettingsUpdated: { userId: string; version: number; document: Record<string, unknown> };

  /**
   * A message was sent. Subject: channel.<guildId|dm>.<channelId>.messages, where channelId is the
   * container (a channel or a thread). guildId is null in DMs. Unlike most events it carries the
   * message itself (content, mentions, attachment ids), so the indexer and embedder need no read of
   * the store.
   */
  MessageCreated: MessageRef & {
    authorId: string;
    kind: 'default' | 'guild_member_join';
    content: string;
    replyToId: string | null;
    mentions: MentionsPayload;
    attachmentIds: string[];
    /** Rich embeds sent with it (absent in events published before embeds existed). */
    embeds?: Embed[];
    /** Its links get previews: the author held EMBED_LINKS (always in DMs). Absent: no. */
    linkPreviews?: boolean;
  };
  /** A message's content was edited. Subject: channel.<guildId|dm>.<channelId>.messages. Carries the new content. */
  MessageUpdated: MessageRef & {
    authorId: string;
    content: string;
    mentions: MentionsPayload;
    editedAt: string;
    /** The new content's links get previews (as MessageCreated's). Absent: no. */
    linkPreviews?: boolean;
  };
  /**
   * The embeds a message shows changed without an edit: the embedder's link previews arrived, or
   * they were suppressed or shown again. Carries every embed shown now, in order, for the content of
   * `editedAt` (null: never edited): a client whose copy of the message has another editedAt ignores
   * it. Subject: channel.<guildId|dm>.<channelId>.messages.
   */
  MessageEmbedsUpdated: MessageRef & { editedAt: string | null; embeds: Embed[]; suppressed: boolean };
  /** A message was deleted by its author or a moderator. Subject: channel.<guildId|dm>.<channelId>.messages. */
  MessageDeleted: MessageRef & ActorRef;
  /**
   * Messages were deleted in bulk: by a moderator (actorId set), or by a ban's message purge.
   * Subject: channel.<guildId|dm>.<channelId>.messages.
   */
  MessagesBulkDeleted: {
    channelId: string;
    /** The channel itself, or a thread's parent channel. */
    parentChannelId: string;
    guildId: string | null;
    messageIds: string[];
    actorId?: string;
  };
  /** A user reacted. Subject: channel.<guildId|dm>.<channelId>.messages. */
  ReactionAdded: MessageRef & { userId: string; emoji: EmojiPayload };
  /**
   * Reactions were removed: one user's (userId), or everyone's when userId is null; of one emoji, or
   * of every emoji when emoji is null. Subject: channel.<guildId|dm>.<channelId>.messages.
   */
  ReactionRemoved: MessageRef & ActorRef & { userId: string | null; emoji: EmojiPayload | null };
  /** A message was pinned or unpinned. Subject: channel.<guildId|dm>.<channelId>.messages. */
  ChannelPinsUpdated: MessageRef & ActorRef & { pinned: boolean };
  /**
   * A thread was created. Subject: channel.<guildId>.<parentChannelId>.messages (thread events go to
   * the parent channel, so its subscribers and the guild's viewers see them).
   */
  ThreadCreated: GuildRef & {
    threadId: string;
    parentChannelId: string;
    ownerId: string;
    starterMessageId: string | null;
  };
  /**
   * A thread's name, auto-archive, archived or locked state changed; actorId is null when it archived
   * itself by inactivity. Subject: channel.<guildId>.<parentChannelId>.messages.
   */
  ThreadUpdated: GuildRef & {
    actorId: string | null;
    threadId: string;
    parentChannelId: string;
    fields: string[];
  };
  /** A user joined or left a thread. Subject: channel.<guildId>.<parentChannelId>.messages. */
  ThreadMembersUpdated: GuildRef & { threadId: string; userId: string; joined: boolean };
  /**
   * The user acknowledged messages: tells their other devices. Subject: user.<userId>.
   */
  ReadStateUpdated: { userId: string; channelId: string; lastReadMessageId: string; mentionCount: number };

  /**
   * Someone joined, left, moved or changed their state in a voice call. `channelId` is the call they
   * are in now (null: they left); `previousChannelId` the one before, when it changed. `reason` says
   * why: `join`, `leave`, `update` (their own mute, deafen, video or stream), `moderate` (a server
   * mute or deafen), `move`, `disconnect` (by a moderator), `nodeLost` (their SFU node died),
   * `dropped` (the SFU reported them gone). Subject: guild.<guildId>, or for a DM call
   * channel.dm.<channelId>.messages.
   */
  VoiceStateUpdated: {
    guildId: string | null;
    userId: string;
    channelId: string | null;
    previousChannelId: string | null;
    reason: VoiceStateReason;
    /** The moderator, for moderate, move and disconnect. */
    actorId: string | null;
    state: VoiceStatePayload | null;
  };
  /**
   * A voice channel's region changed while a call was live: its members join again (joinVoice),
   * each after a random delay up to `rejoinWithinMs`, and land on the new node. Subject: guild.<guildId>.
   */
  VoiceRoomMigrating: GuildRef &
    ActorRef & { channelId: string; region: string | null; rejoinWithinMs: number };
  /**
   * What an SFU node must do now in one of its rooms (a moderator's action, a migration, a call
   * ended). Published after the change committed; the node subscribes to its own subject.
   * Subject: voice.node.<nodeId>.
   */
  VoiceNodeCommand: VoiceNodeCommandPayload;
  /**
   * An SFU node admitted a peer (connected) or lost one (its socket closed, it left). Published by
   * the node itself; the voice subgraph confirms or clears the user's voice state, for the
   * session the report names only. Subject: voice.peers.<nodeId>.
   */
  VoicePeerReported: {
    nodeId: string;
    userId: string;
    channelId: string;
    sessionId: string;
    connected: boolean;
  };

  /**
   * A session ended (signed out, a password reset, any deleted session row): its connections should
   * close. Subject: user.<userId>. Recorded by the database with the deletion (decision 0027).
   */
  SessionRevoked: { userId: string; sessionId: string };
  /**
   * The user is typing in a container, until expiresAt (ISO, 10 s after sending). Subject:
   * typing.<guildId|dm>.<channelId>. Ephemeral: delivered live only, never stored or replayed.
   */
  TypingStarted: {
    guildId: string | null;
    channelId: string;
    /** The channel itself, or a thread's parent channel. */
    parentChannelId: string;
    userId: string;
    expiresAt: string;
  };
  /**
   * A user's aggregated presence changed (published by the router, coalesced to one per user per
   * second). Subject: presence.user.<userId>, and presence.guild.<guildId> for each of the user's
   * guilds. Invisible users appear offline. Ephemeral: delivered live only, never stored or replayed.
   */
  PresenceUpdated: {
    userId: string;
    status: 'online' | 'idle' | 'dnd' | 'offline';
    customStatus: string | null;
  };
}

/** Where a message lives: its container (channel or thread), that container's parent channel, its guild. */
type MessageRef = {
  messageId: string;
  channelId: string;
  /** The channel itself, or a thread's parent channel. */
  parentChannelId: string;
  guildId: string | null;
};
type MentionsPayload = { users: string[]; roles: string[]; everyone: boolean; here: boolean };
/** Exactly one of the two is set. */
type EmojiPayload = { unicode: string | null; emojiId: string | null };

export type EventType = keyof EventPayloads;

export const EVENT_TYPES = [
  'UserUpdated',
  'UserDeleted',
  'UploadProcessed',
  'GuildCreated',
  'GuildUpdated',
  'GuildOwnerChanged',
  'GuildDeleted',
  'ChannelCreated',
  'ChannelUpdated',
  'ChannelDeleted',
  'ChannelsReordered',
  'RoleCreated',
  'RoleUpdated',
  'RoleDeleted',
  'RolesReordered',
  'GuildMemberAdded',
  'GuildMemberUpdated',
  'GuildMemberRemoved',
  'GuildBanAdded',
  'GuildBanRemoved',
  'InviteCreated',
  'InviteDeleted',
  'EmojiCreated',
  'EmojiUpdated',
  'EmojiDeleted',
  'DirectChannelCreated',
  'DirectChannelUpdated',
  'FriendRequestCreated',
  'FriendRequestDeleted',
  'FriendAdded',
  'FriendRemoved',
  'UserBlocked',
  'UserUnblocked',
  'SettingsUpdated',
  'MessageCreated',
  'MessageUpdated',
  'MessageEmbedsUpdated',
  'MessageDeleted',
  'MessagesBulkDeleted',
  'ReactionAdded',
  'ReactionRemoved',
  'ChannelPinsUpdated',
  'ThreadCreated',
  'ThreadUpdated',
  'ThreadMembersUpdated',
  'ReadStateUpdated',
  'VoiceStateUpdated',
  'VoiceRoomMigrating',
  'VoiceNodeCommand',
  'VoicePeerReported',
  'SessionRevoked',
  'TypingStarted',
  'PresenceUpdated',
] as const satisfies readonly EventType[];

/**
 * One catalogued event: its type and the payload that type carries. A union keyed by type, so
 * `switch (event.type)` narrows `event.data` for the compiler.
 */
export type CatalogEvent = { [T in EventType]: { type: T; data: EventPayloads[T] } }[EventType];

/** The event of one type. */
export type EventOf<T extends EventType> = Extract<CatalogEvent, { type: T }>;

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isEventType(type: string): type is EventType {
  return KNOWN_TYPES.has(type);
}

/**
 * An envelope read from the bus, narrowed to the catalogue; undefined for a type this build does not
 * know (a newer producer's: consumers are deployed before the producers of a new type). Only the
 * type is checked: the payload is what its producer typed with newEvent, under the compatibility
 * rule of docs/events.md (fields are added, never changed or removed, within a version).
 */
export function asCatalogEvent<E extends { type: string; data: unknown }>(
  event: E,
): (Omit<E, 'type' | 'data'> & CatalogEvent) | undefined {
  return isEventType(event.type) ? (event as unknown as Omit<E, 'type' | 'data'> & CatalogEvent) : undefined;
}

export interface NewEvent<T extends EventType = EventType> {
  subject: Subject;
  type: T;
  data: EventPayloads[T];
}

/** Builds an event for the outbox, with its subject and payload type checked against the catalogue. */
export function newEvent<T extends EventType>(
  type: T,
  subject: Subject,
  data: EventPayloads[T],
): NewEvent<T> {
  return { type, subject, data };
}
