/** What the messages subgraph's resolvers receive for each GraphQL type (codegen mappers). */
import type { ThreadFacts } from '@gochat/channel-access';

export type { TimelineMessage as MessageRow } from '@gochat/message-store';

export interface ChannelRef {
  id: string;
}
export interface UserRef {
  id: string;
}

/** A reply's or thread's pointer at a message in a container. */
export interface MessageRefRow {
  channelId: string;
  messageId: string;
}

export interface MessageVersionRow {
  content: string;
  writtenAt: Date;
  replacedAt: Date;
}

export interface ReactionRow {
  unicode: string | null;
  emojiId: string | null;
  count: number;
  me: boolean;
}

export type ThreadRow = ThreadFacts & { guildId: string };

export interface ThreadMemberRow {
  userId: string;
  joinedAt: Date;
}

export interface ReadStateRow {
  channelId: string;
  lastReadMessageId: string | null;
  lastMessageId: string | null;
  unread: boolean;
  mentionCount: number;
  /** Ids of those messages, newest first, at most 100. */
  mentionIds: string[];
  /** Muted in the viewer's settings (itself, a thread's parent, or its guild): unread is then false. */
  muted: boolean;
}

export interface GuildUnreadsRow {
  guildId: string;
  unread: boolean;
  mentionCount: number;
  channels: ReadStateRow[];
}

export interface UnreadsRow {
  guilds: GuildUnreadsRow[];
  directChannels: ReadStateRow[];
}

/** An attachment as stored with its message (@gochat/message-store). */
export type { AttachmentRef } from '@gochat/message-store';
