import type { Transaction } from '@gochat/db';
import { emojis, guildMembers, reactions } from '@gochat/drizzle';
import { DomainError, forbidden } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import { commitChange, type TimelineMessage } from '@gochat/message-store';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';

import { emojiKey, emojiOfKey, type Emoji } from '../emoji-key.ts';
import type { StoreDeps } from './deps.ts';
import type { ReactionRow } from './rows.ts';

/** Distinct emoji per message, as in Discord. */
export const MAX_REACTION_EMOJI = 20;

type MessageRef = Pick<TimelineMessage, 'id' | 'channelId' | 'parentChannelId' | 'guildId'>;

/** Where the message lives, as event payloads name it. */
const refOf = (message: MessageRef) => ({
  messageId: message.id,
  channelId: message.channelId,
  parentChannelId: message.parentChannelId,
  guildId: message.guildId,
});

/**
 * Serialises reaction writes on one message until the transaction ends, so "is this emoji new here",
 * the 20-emoji limit and the insert are decided together (a row lock cannot cover absent rows).
 */
const lockReactionsOf = (tx: Transaction, messageId: string) =>
  tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`reactions:${messageId}`}))`);

export const createReactionsStore = (deps: StoreDeps) => ({
  /** A custom emoji's guild and whether the user is a member of it; undefined when it does not exist. */
  async customEmoji(
    emojiId: string,
    userId: string,
  ): Promise<{ guildId: string; member: boolean } | undefined> {
    const [row] = await deps.db
      .select({ guildId: emojis.guildId, member: sql<boolean>`${guildMembers.userId} is not null` })
      .from(emojis)
      .leftJoin(guildMembers, and(eq(guildMembers.guildId, emojis.guildId), eq(guildMembers.userId, userId)))
      .where(eq(emojis.id, emojiId));
    return row && { guildId: row.guildId, member: Boolean(row.member) };
  },

  /**
   * Adds the user's reaction and its ReactionAdded event. An emoji new on the message needs
   * `mayAddNew` (FORBIDDEN) and a free place among MAX_REACTION_EMOJI (LIMIT_REACHED). False, with no
   * event, when the user had already reacted so.
   */
  add(input: { message: MessageRef; userId: string; emoji: Emoji; mayAddNew: boolean }): Promise<boolean> {
    const { message, userId, emoji } = input;
    const key = emojiKey(emoji);
    return commitChange(deps, async (tx) => {
      await lockReactionsOf(tx, message.id);
      const present = await tx
        .selectDistinct({ key: reactions.emojiKey })
        .from(reactions)
        .where(eq(reactions.messageId, message.id));
      if (!present.some((p) => p.key === key)) {
        if (!input.mayAddNew)
          throw forbidden('Missing permission: ADD_REACTIONS (needed for an emoji new on the message).');
        if (present.length >= MAX_REACTION_EMOJI)
          throw new DomainError(
            'LIMIT_REACHED',
            `A message holds at most ${MAX_REACTION_EMOJI} different reaction emoji.`,
          );
      }
      const added = await tx
        .insert(reactions)
        // clock_timestamp, taken under the lock, orders emoji by when they really were first added.
        .values({
          messageId: message.id,
          emojiKey: key,
          userId,
          channelId: message.channelId,
          parentChannelId: message.parentChannelId,
          createdAt: sql`clock_timestamp()`,
        })
        .onConflictDoNothing()
        .returning({ userId: reactions.userId });
      if (!added.length) return { result: false, events: [] };
      const event = newEvent('ReactionAdded', subjects.channelMessages(message.guildId, message.channelId), {
        ...refOf(message),
        userId,
        emoji,
      });
      return { result: true, events: [event] };
    });
  },

  /** Removes one user's reaction and announces it; false, with no event, when there was none. */
  remove(input: { message: MessageRef; emoji: Emoji; userId: string; actorId: string }): Promise<boolean> {
    const { message, emoji, userId, actorId } = input;
    return commitChange(deps, async (tx) => {
      await lockReactionsOf(tx, message.id);
      const removed = await tx
        .delete(reactions)
        .where(
          and(
            eq(reactions.messageId, message.id),
            eq(reactions.emojiKey, emojiKey(emoji)),
            eq(reactions.userId, userId),
          ),
        )
        .returning({ userId: reactions.userId });
      if (!removed.length) return { result: false, events: [] };
      const event = newEvent(
        'ReactionRemoved',
        subjects.channelMessages(message.guildId, message.channelId),
        {
          ...refOf(message),
          actorId,
          userId,
          emoji,
        },
      );
      return { result: true, events: [event] };
    });
  },

  /**
   * Removes every reaction of the message, or every reaction with one emoji, in one ReactionRemoved
   * event (userId null). Returns how many were removed; nothing removed, no event.
   */
  removeAll(input: { message: MessageRef; emoji: Emoji | null; actorId: string }): Promise<number> {
    const { message, emoji, actorId } = input;
    return commitChange(deps, async (tx) => {
      await lockReactionsOf(tx, message.id);
      const removed = await tx
        .delete(reactions)
        .where(
          and(
            eq(reactions.messageId, message.id),
            emoji ? eq(reactions.emojiKey, emojiKey(emoji)) : undefined,
          ),
        )
        .returning({ userId: reactions.userId });
      if (!removed.length) return { result: 0, events: [] };
      const event = newEvent(
        'ReactionRemoved',
        subjects.channelMessages(message.guildId, message.channelId),
        {
          ...refOf(message),
          actorId,
          userId: null,
          emoji,
        },
      );
      return { result: removed.length, events: [event] };
    });
  },

  /**
   * The reactions of each message, one row per emoji in the order first added, with the viewer's
   * `me` (false without a viewer), in one query for the whole batch.
   */
  async summaries(messageIds: readonly string[], viewerId: string | undefined): Promise<ReactionRow[][]> {
    const firstAdded = sql`min(${reactions.createdAt})`;
    const rows = messageIds.length
      ? await deps.db
          .select({
            messageId: reactions.messageId,
            key: reactions.emojiKey,
            count: sql<number>`count(*)::int`,
            me: sql<boolean>`coalesce(bool_or(${reactions.userId} = ${viewerId ?? ''}), false)`,
          })
          .from(reactions)
          .where(inArray(reactions.messageId, [...messageIds]))
          .groupBy(reactions.messageId, reactions.emojiKey)
          .orderBy(firstAdded, reactions.emojiKey)
      : [];
    const byMessage = new Map<string, ReactionRow[]>();
    for (const row of rows) {
      const list = byMessage.get(row.messageId) ?? [];
      list.push({ ...emojiOfKey(row.key), count: Number(row.count), me: Boolean(row.me) });
      byMessage.set(row.messageId, list);
    }
    return messageIds.map((id) => byMessage.get(id) ?? []);
  },

  /** Who reacted to the message with the emoji: a keyset page by user id, on the primary key. */
  async users(input: { messageId: string; emoji: Emoji; limit: number; after?: string }): Promise<string[]> {
    const rows = await deps.db
      .select({ userId: reactions.userId })
      .from(reactions)
      .where(
        and(
          eq(reactions.messageId, input.messageId),
          eq(reactions.emojiKey, emojiKey(input.emoji)),
          input.after ? gt(reactions.userId, input.after) : undefined,
        ),
      )
      .orderBy(asc(reactions.userId))
      .limit(input.limit);
    return rows.map((r) => r.userId);
  },
});
