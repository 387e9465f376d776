import type { Transaction } from '@gochat/db';
import {
  channelState,
  emojis,
  guildMembers,
  mentions,
  messageEdits,
  messageNonces,
  readStates,
  roles,
  threadMembers,
  threads,
} from '@gochat/drizzle';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import { snowflakeTime } from '@gochat/ids';
import type { Embed } from '@gochat/embeds';
import {
  commitChange,
  visibleEmbeds,
  type MessageMentions,
  type TimelineMessage,
} from '@gochat/message-store';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';

import { isArchived } from '@gochat/channel-access';
import { claimAttachments } from '@gochat/uploads';
import type { StoreDeps } from './deps.ts';
import type { MessageVersionRow } from './rows.ts';

/** A retry with the same nonce within this window returns the first message. */
const NONCE_WINDOW = sql`interval '10 minutes'`;

export interface NewMessage {
  channelId: string;
  parentChannelId: string;
  guildId: string | null;
  authorId: string;
  content: string;
  replyToId: string | null;
  mentions: MessageMentions;
  nonce: string | null;
  /** Upload ids to attach: claimed in the send's transaction (@gochat/uploads). */
  attachmentIds: readonly string[];
  /** Rich embeds, already checked against the limits. */
  embeds: Embed[];
  /** Whether its links get previews (the sender holds EMBED_LINKS): told to the embedder. */
  linkPreviews: boolean;
  /**
   * Spends the sender's limits (send rate, slowmode). Runs inside the transaction once the send is
   * known to be new, so a nonce replay spends nothing; throwing writes nothing.
   */
  beforeWrite(): Promise<void>;
}

export type SendOutcome =
  | { sent: TimelineMessage }
  /** The nonce was used within the window: the message it sent (possibly in another container). */
  | { replay: { channelId: string; messageId: string } };

/** Where messages are being deleted, and by whom. */
export interface Removal {
  channelId: string;
  parentChannelId: string;
  guildId: string | null;
  actorId: string;
  ids: string[];
}

const where = (m: { channelId: string; parentChannelId: string; guildId: string | null }) => ({
  channelId: m.channelId,
  parentChannelId: m.parentChannelId,
  guildId: m.guildId,
});

/**
 * The rows of the mentions table for a message: users (not the author: one's own mention never
 * counts), roles, and one 'everyone' row for @everyone or @here. @here counts like @everyone until
 * presence exists (issue 5).
 */
function mentionRows(message: TimelineMessage) {
  const base = {
    channelId: message.channelId,
    messageId: message.id,
    parentChannelId: message.parentChannelId,
    authorId: message.authorId,
  };
  const { users, roles: roleIds, everyone, here } = message.mentions;
  return [
    ...users
      .filter((u) => u !== message.authorId)
      .map((targetId) => ({ ...base, targetType: 'user' as const, targetId })),
    ...roleIds.map((targetId) => ({ ...base, targetType: 'role' as const, targetId })),
    ...(everyone || here ? [{ ...base, targetType: 'everyone' as const, targetId: '' }] : []),
  ];
}

/** Sending, editing and deleting messages, with everything that hangs off them. */
export const createMessageWritesStore = (deps: StoreDeps) => {
  /**
   * Claims the author's nonce for the new message: inserted, or taking over an entry older than the
   * window. A concurrent send with the same nonce waits on the row and then finds it taken.
   */
  async function claimNonce(tx: Transaction, message: NewMessage, nonce: string, messageId: string) {
    const { authorId, channelId } = message;
    const [claimed] = await tx
      .insert(messageNonces)
      .values({ authorId, nonce, channelId, messageId })
      .onConflictDoUpdate({
        target: [messageNonces.authorId, messageNonces.nonce],
        set: { channelId, messageId, createdAt: sql`now()` },
        setWhere: sql`${messageNonces.createdAt} < now() - ${NONCE_WINDOW}`,
      })
      .returning({ messageId: messageNonces.messageId });
    if (claimed) {
      // Expired nonces are never asked for again: each sender clears their own, so the table stays small.
      await tx
        .delete(messageNonces)
        .where(
          and(
            eq(messageNonces.authorId, authorId),
            sql`${messageNonces.createdAt} < now() - ${NONCE_WINDOW}`,
          ),
        );
      return undefined;
    }
    const [taken] = await tx
      .select({ channelId: messageNonces.channelId, messageId: messageNonces.messageId })
      .from(messageNonces)
      .where(and(eq(messageNonces.authorId, authorId), eq(messageNonces.nonce, nonce)));
    if (!taken) throw new Error('message nonce vanished while held');
    return taken;
  }

  /**
   * A message in a thread keeps it active: last activity moves, and an archived (unlocked) thread
   * unarchives (ThreadUpdated). A locked archived thread stays archived, also when it was archived
   * only by inactivity (the flag is set, since its activity just moved).
   */
  async function touchThread(tx: Transaction, message: NewMessage): Promise<NewEvent[]> {
    const [thread] = await tx.select().from(threads).where(eq(threads.id, message.channelId)).for('update');
    if (!thread) return [];
    // Sending in a thread joins it, as in Discord.
    const joined = await tx
      .insert(threadMembers)
      .values({ threadId: thread.id, userId: message.authorId })
      .onConflictDoNothing()
      .returning({ userId: threadMembers.userId });
    const joinEvents = joined.length
      ? [
          newEvent('ThreadMembersUpdated', subjects.channelMessages(thread.guildId, thread.parentId), {
            guildId: thread.guildId,
            threadId: thread.id,
            userId: message.authorId,
            joined: true,
          }),
        ]
      : [];
    const archived = isArchived(thread);
    if (archived && thread.locked) {
      const archivedAt =
        thread.archivedAt ?? new Date(thread.lastActivityAt.getTime() + thread.autoArchiveMinutes * 60_000);
      await tx
        .update(threads)
        .set({ lastActivityAt: sql`now()`, archived: true, archivedAt })
        .where(eq(threads.id, thread.id));
      return joinEvents;
    }
    await tx
      .update(threads)
      .set({ lastActivityAt: sql`now()`, ...(archived ? { archived: false, archivedAt: null } : {}) })
      .where(eq(threads.id, thread.id));
    if (!archived) return joinEvents;
    return [
      ...joinEvents,
      newEvent('ThreadUpdated', subjects.channelMessages(thread.guildId, thread.parentId), {
        guildId: thread.guildId,
        actorId: message.authorId,
        threadId: thread.id,
        parentChannelId: thread.parentId,
        fields: ['archived'],
      }),
    ];
  }

  /**
   * Deletes the messages with everything that hangs off them (the message store's removeMessages) in
   * one commit, announced by `event`.
   */
  const remove = (removal: Removal, event: NewEvent): Promise<void> =>
    commitChange(deps, () =>
      Promise.resolve({
        result: undefined,
        removes: { channelId: removal.channelId, ids: removal.ids },
        events: [event],
      }),
    );

  return {
    /**
     * Sends a message (or replays its nonce): the timeline insert, the nonce, its mentions, the
     * container's last message, the author's read position, the thread's activity, and MessageCreated
     * (with ThreadUpdated when the thread unarchived), in one transaction.
     */
    send: (message: NewMessage): Promise<SendOutcome> =>
      commitChange<SendOutcome>(deps, async (tx) => {
        const id = deps.ids.next();
        const replay = message.nonce === null ? undefined : await claimNonce(tx, message, message.nonce, id);
        if (replay) return { result: { replay }, events: [] };
        await message.beforeWrite();
        const attachments = await claimAttachments(tx, {
          ids: message.attachmentIds,
          ownerId: message.authorId,
          containerId: message.channelId,
          messageId: id,
        });
        const sent: TimelineMessage = {
          id,
          ...where(message),
          authorId: message.authorId,
          kind: 'default',
          content: message.content,
          replyToId: message.replyToId,
          mentions: message.mentions,
          attachments,
          editedAt: null,
          embeds: message.embeds,
          linkEmbeds: null,
          embedsSuppressed: false,
        };
        const rows = mentionRows(sent);
        if (rows.length) await tx.insert(mentions).values(rows).onConflictDoNothing();
        await tx
          .insert(channelState)
          .values({ ...where(message), lastMessageId: id })
          .onConflictDoUpdate({
            target: channelState.channelId,
            set: { lastMessageId: sql`greatest(${channelState.lastMessageId}, excluded.last_message_id)` },
          });
        await tx
          .insert(readStates)
          .values({
            userId: message.authorId,
            channelId: message.channelId,
            parentChannelId: message.parentChannelId,
            lastReadId: id,
          })
          .onConflictDoUpdate({
            target: [readStates.userId, readStates.channelId],
            set: {
              lastReadId: sql`greatest(${readStates.lastReadId}, excluded.last_read_id)`,
              updatedAt: sql`now()`,
            },
          });
        const threadEvents =
          message.channelId === message.parentChannelId ? [] : await touchThread(tx, message);
        const { editedAt: _edited, linkEmbeds: _links, embedsSuppressed: _suppressed, ...inserted } = sent;
        return {
          result: { sent },
          timeline: { op: 'insert', message: inserted },
          events: [
            newEvent('MessageCreated', subjects.channelMessages(message.guildId, message.channelId), {
              messageId: id,
              ...where(message),
              authorId: message.authorId,
              kind: 'default',
              content: message.content,
              replyToId: message.replyToId,
              mentions: message.mentions,
              attachmentIds: attachments.map((a) => a.id),
              embeds: sent.embeds,
              linkPreviews: message.linkPreviews,
            }),
            ...threadEvents,
          ],
        };
      }),

    /**
     * Replaces a message's content and mentions. The version it replaces goes to the edit history,
     * written at the previous edit (or the send) and replaced now.
     */
    edit: (
      message: TimelineMessage,
      content: string,
      mentioned: MessageMentions,
      linkPreviews: boolean,
    ): Promise<TimelineMessage> =>
      commitChange(deps, async (tx) => {
        const editedAt = new Date();
        await tx.insert(messageEdits).values({
          id: deps.ids.next(),
          messageId: message.id,
          channelId: message.channelId,
          parentChannelId: message.parentChannelId,
          content: message.content,
          writtenAt: message.editedAt ?? snowflakeTime(message.id),
          replacedAt: editedAt,
        });
        const edited: TimelineMessage = { ...message, content, mentions: mentioned, editedAt };
        await tx
          .delete(mentions)
          .where(and(eq(mentions.channelId, message.channelId), eq(mentions.messageId, message.id)));
        const rows = mentionRows(edited);
        if (rows.length) await tx.insert(mentions).values(rows).onConflictDoNothing();
        return {
          result: edited,
          timeline: {
            op: 'edit',
            channelId: message.channelId,
            id: message.id,
            content,
            mentions: mentioned,
            editedAt: editedAt.toISOString(),
          },
          events: [
            newEvent('MessageUpdated', subjects.channelMessages(message.guildId, message.channelId), {
              messageId: message.id,
              ...where(message),
              authorId: message.authorId,
              content,
              mentions: mentioned,
              editedAt: editedAt.toISOString(),
              linkPreviews,
            }),
          ],
        };
      }),

    /** Hides or shows the message's link previews; MessageEmbedsUpdated carries what shows now. */
    suppressEmbeds: (message: TimelineMessage, suppressed: boolean): Promise<TimelineMessage> =>
      commitChange(deps, () => {
        const changed: TimelineMessage = { ...message, embedsSuppressed: suppressed };
        return Promise.resolve({
          result: changed,
          timeline: {
            op: 'suppressEmbeds',
            channelId: message.channelId,
            id: message.id,
            suppressed,
            at: new Date().toISOString(),
          },
          events: [
            newEvent('MessageEmbedsUpdated', subjects.channelMessages(message.guildId, message.channelId), {
              messageId: message.id,
              ...where(message),
              editedAt: message.editedAt?.toISOString() ?? null,
              embeds: visibleEmbeds(changed),
              suppressed,
            }),
          ],
        });
      }),

    /** Deletes one message with its dependents; MessageDeleted names who deleted it. */
    delete: (removal: Removal & { ids: [string] }): Promise<void> =>
      remove(
        removal,
        newEvent('MessageDeleted', subjects.channelMessages(removal.guildId, removal.channelId), {
          messageId: removal.ids[0],
          ...where(removal),
          actorId: removal.actorId,
        }),
      ),

    /** Deletes existing messages of one container with their dependents, announced by one event. */
    bulkDelete: (removal: Removal): Promise<void> =>
      remove(
        removal,
        newEvent('MessagesBulkDeleted', subjects.channelMessages(removal.guildId, removal.channelId), {
          channelId: removal.channelId,
          parentChannelId: removal.parentChannelId,
          guildId: removal.guildId,
          messageIds: removal.ids,
          actorId: removal.actorId,
        }),
      ),

    /** Earlier versions of each message, oldest first (keys are "channelId:messageId"). */
    async editHistory(keys: readonly string[]): Promise<MessageVersionRow[][]> {
      const ids = [...new Set(keys.map((key) => key.split(':')[1] ?? ''))];
      const rows = await deps.db
        .select()
        .from(messageEdits)
        .where(inArray(messageEdits.messageId, ids))
        .orderBy(asc(messageEdits.id));
      const byKey = new Map<string, MessageVersionRow[]>();
      for (const row of rows) {
        const key = `${row.channelId}:${row.messageId}`;
        byKey.set(key, [
          ...(byKey.get(key) ?? []),
          { content: row.content, writtenAt: row.writtenAt, replacedAt: row.replacedAt },
        ]);
      }
      return keys.map((key) => byKey.get(key) ?? []);
    },

    /**
     * Which of these custom emoji the user may use in a message: those that exist in a guild the user
     * is a member of (any guild's emoji, in any channel or DM, as with Discord's Nitro).
     */
    async usableEmojis(userId: string, ids: readonly string[]): Promise<Set<string>> {
      if (!ids.length) return new Set();
      const rows = await deps.db
        .select({ id: emojis.id })
        .from(emojis)
        .innerJoin(
          guildMembers,
          and(eq(guildMembers.guildId, emojis.guildId), eq(guildMembers.userId, userId)),
        )
        .where(inArray(emojis.id, [...ids]));
      return new Set(rows.map((r) => r.id));
    },

    /** Which of these ids are roles of the guild (its @everyone role excluded: that is @everyone). */
    async rolesOfGuild(guildId: string, ids: readonly string[]): Promise<Set<string>> {
      const candidates = ids.filter((id) => id !== guildId);
      if (!candidates.length) return new Set();
      const rows = await deps.db
        .select({ id: roles.id })
        .from(roles)
        .where(and(eq(roles.guildId, guildId), inArray(roles.id, candidates)));
      return new Set(rows.map((r) => r.id));
    },
  };
};
