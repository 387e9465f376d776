import type { Transaction } from '@gochat/db';
import type { Embed } from '@gochat/embeds';

/**
 * The message-store port: where message rows live and how history is read. Two implementations share
 * one contract suite (timeline.contract.ts):
 *   - postgres: drizzle on PGlite or PostgreSQL (the default); mutations apply in the caller's transaction
 *   - scylla:   cassandra-driver; (channel_id, bucket) partitions, id DESC clustering. Mutations are staged
 *               in the caller's PostgreSQL transaction next to their outbox events and applied after commit,
 *               and again by the outbox relay before it publishes (idempotent, USING TIMESTAMP), so a crash
 *               between the two loses nothing (docs/decisions/0015-message-store-port.md; commit.ts).
 * Everything else about messages (reactions, pins, read states, threads, nonces, edit history) is
 * relational and stays in PostgreSQL in both modes.
 */

export type MessageKind = 'default' | 'guild_member_join';

export interface MessageMentions {
  /** User ids mentioned with <@id> who can see the channel. */
  users: string[];
  /** Role ids mentioned with <@&id>. */
  roles: string[];
  /** @everyone, by a sender holding MENTION_EVERYONE. */
  everyone: boolean;
  /** @here, by a sender holding MENTION_EVERYONE. */
  here: boolean;
}

export const NO_MENTIONS: MessageMentions = { users: [], roles: [], everyone: false, here: false };

/**
 * A file attached to a message, copied from its upload when the message is sent (@gochat/uploads
 * claimAttachments), so a history page needs no other read to render it. Stored as JSON in both stores.
 */
export interface AttachmentRef {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  /** Added with uploads (optional: messages stored before them lack these). Audio and video. */
  durationSeconds?: number | null;
  /** A placeholder to paint before the preview loads (images, video posters). */
  blurhash?: string | null;
  /** The WebP previews made from it, by their bounding size. */
  previews?: { size: number; width: number; height: number }[];
  /** Whether downloads open in the browser or save (anything a browser could execute saves). */
  disposition?: 'inline' | 'attachment';
  /** Whether a metadata-stripped copy is served instead of the original bytes. */
  cleaned?: boolean;
}

export interface TimelineMessage {
  id: string;
  /** The container: a channel (text, DM, group DM) or a thread. */
  channelId: string;
  /** The channel itself, or a thread's parent channel. */
  parentChannelId: string;
  /** Null in DMs and group DMs. */
  guildId: string | null;
  authorId: string;
  kind: MessageKind;
  content: string;
  replyToId: string | null;
  mentions: MessageMentions;
  attachments: AttachmentRef[];
  editedAt: Date | null;
  /** Rich embeds sent with the message (validated with @gochat/embeds' limits). */
  embeds: Embed[];
  /**
   * Link previews the embedder made, for the content version it read (see contentVersion): after an
   * edit they are stale until it has read the new content, and are not shown (visibleEmbeds).
   */
  linkEmbeds: LinkEmbeds | null;
  /** The author or a MANAGE_MESSAGES holder hid the link previews. */
  embedsSuppressed: boolean;
}

/** Embeds made from the links of one version of a message's content. */
export interface LinkEmbeds {
  version: string;
  embeds: Embed[];
}

/** What an insert writes: a new message has no link previews yet and is not suppressed. */
export type NewTimelineMessage = Omit<
  TimelineMessage,
  'editedAt' | 'embeds' | 'linkEmbeds' | 'embedsSuppressed'
> & {
  /** Optional: mutations staged before embeds existed lack it. */
  embeds?: Embed[];
};

/** Mutations are plain JSON so they can be staged in PostgreSQL (ScyllaDB mode) and replayed. */
export type TimelineMutation =
  | { op: 'insert'; message: NewTimelineMessage }
  | {
      op: 'edit';
      channelId: string;
      id: string;
      content: string;
      mentions: MessageMentions;
      /** ISO-8601. */
      editedAt: string;
    }
  | {
      /** The embedder's result; applied only while the content is still that version. */
      op: 'setLinkEmbeds';
      channelId: string;
      id: string;
      linkEmbeds: LinkEmbeds;
    }
  | {
      op: 'suppressEmbeds';
      channelId: string;
      id: string;
      suppressed: boolean;
      /** ISO-8601; orders it after the insert and any earlier change of the flag. */
      at: string;
    }
  | {
      op: 'delete';
      channelId: string;
      ids: string[];
      /** ISO-8601; orders the delete after any write it races with. */
      deletedAt: string;
    };

/** A mutation and the id of the outbox event that announces it. */
export interface StagedMutation {
  eventId: string;
  mutation: TimelineMutation;
}

/**
 * A page of history, always newest first, at most `limit` (1-100) messages:
 *   - neither cursor: the newest messages
 *   - before: strictly older than the id
 *   - after: strictly newer than the id (the oldest ones just after it)
 *   - around: the message (when it exists) and the nearest others, about half on each side
 * At most one cursor is set. Ids need not exist.
 */
export interface HistoryQuery {
  channelId: string;
  limit: number;
  before?: string;
  after?: string;
  around?: string;
}

export interface MessageTimeline {
  readonly kind: 'postgres' | 'scylla';
  /** The messages with these ids in the container; unknown ids are left out. Order is not specified. */
  get(channelId: string, ids: readonly string[]): Promise<TimelineMessage[]>;
  history(query: HistoryQuery): Promise<TimelineMessage[]>;
  /**
   * Ids of the author's messages at or after `sinceId` in these containers (a ban's message purge,
   * bounded to 7 days): a scan of recent rows, not a hot path. postgres reads in `tx` when given.
   */
  authoredSince(
    containerIds: readonly string[],
    authorId: string,
    sinceId: string,
    tx?: Transaction,
  ): Promise<{ channelId: string; id: string }[]>;
  /**
   * The messages the author wrote anywhere (system messages such as join notices left out), newest
   * first, strictly older than `before` when given, at most `limit` (1-100): the data export
   * (DataExport.messages). Messages of a deleted channel are left out. postgres: messages_author_id_idx;
   * scylla: the messages_by_author index, written with each insert and delete (migration 0003).
   * Optional so a store without an index by author can leave it out (the export then refuses).
   */
  authoredBy?(authorId: string, page: { before?: string; limit: number }): Promise<TimelineMessage[]>;
  /**
   * Makes the mutation part of the caller's transaction. postgres: applies it there. scylla: records
   * it in timeline_pending under the id of the outbox event that announces it.
   */
  stage(tx: Transaction, eventId: string, mutation: TimelineMutation): Promise<void>;
  /**
   * stage() for several mutations, in order, with as few statements as the store can: the embedder
   * commits the previews of many messages together (postgres: one UPDATE for a run of setLinkEmbeds;
   * scylla: one insert into timeline_pending).
   */
  stageMany(tx: Transaction, staged: readonly StagedMutation[]): Promise<void>;
  /** After the transaction committed. postgres: nothing. scylla: applies it and clears the pending row. */
  afterCommit(eventId: string, mutation: TimelineMutation): Promise<void>;
  /**
   * For the outbox relay, inside its transaction, before it publishes these events: applies the
   * staged mutations among them that are still pending (scylla); postgres: nothing.
   */
  applyPending(tx: Transaction, eventIds: readonly string[]): Promise<void>;
  /** Throws when the store cannot serve. Used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
