import type { Transaction } from '@gochat/db';
import { channelState, pins } from '@gochat/drizzle';
import { DomainError } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import { commitChange, type TimelineMessage } from '@gochat/message-store';
import { and, count, desc, eq, inArray, or, sql } from 'drizzle-orm';

import type { StoreDeps } from './deps.ts';

/** Pins per channel (or thread), as in Discord. */
export const MAX_PINS = 50;

type MessageRef = Pick<TimelineMessage, 'id' | 'channelId' | 'parentChannelId' | 'guildId'>;

const limitReached = () =>
  new DomainError('LIMIT_REACHED', `A channel holds at most ${MAX_PINS} pinned messages.`);

/**
 * Locks the container's channel_state row (creating it first), so pins of one container are counted
 * and changed one transaction at a time. Returns how many pins the container holds.
 */
async function lockPins(tx: Transaction, message: MessageRef): Promise<number> {
  await tx
    .insert(channelState)
    .values({
      channelId: message.channelId,
      parentChannelId: message.parentChannelId,
      guildId: message.guildId,
    })
    .onConflictDoNothing();
  await tx
    .select({ id: channelState.channelId })
    .from(channelState)
    .where(eq(channelState.channelId, message.channelId))
    .for('update');
  const [held] = await tx.select({ n: count() }).from(pins).where(eq(pins.channelId, message.channelId));
  return Number(held?.n ?? 0);
}

/** Keeps channel_state.pin_count equal to the pins held, recounted under the lock. */
const recordPinCount = (tx: Transaction, channelId: string, pinCount: number) =>
  tx.update(channelState).set({ pinCount }).where(eq(channelState.channelId, channelId));

const pinsUpdated = (message: MessageRef, actorId: string, pinned: boolean) =>
  newEvent('ChannelPinsUpdated', subjects.channelMessages(message.guildId, message.channelId), {
    messageId: message.id,
    channelId: message.channelId,
    parentChannelId: message.parentChannelId,
    guildId: message.guildId,
    actorId,
    pinned,
  });

export const createPinsStore = (deps: StoreDeps) => {
  /** One attempt at pinning: true when pinned now, false when it already was. */
  const tryPin = (message: MessageRef, actorId: string): Promise<boolean> =>
    commitChange(deps, async (tx) => {
      const held = await lockPins(tx, message);
      const [already] = await tx
        .select({ id: pins.messageId })
        .from(pins)
        .where(and(eq(pins.channelId, message.channelId), eq(pins.messageId, message.id)));
      if (already) return { result: false, events: [] };
      if (held >= MAX_PINS) throw limitReached();
      await tx.insert(pins).values({
        channelId: message.channelId,
        messageId: message.id,
        parentChannelId: message.parentChannelId,
        pinnedBy: actorId,
        // Taken under the lock, so "most recently pinned" follows the order pins really happened in.
        pinnedAt: sql`clock_timestamp()`,
      });
      await recordPinCount(tx, message.channelId, held + 1);
      return { result: true, events: [pinsUpdated(message, actorId, true)] };
    });

  /**
   * Drops pins of the container whose message no longer exists (deleted since), so they stop taking
   * places. Outside the pinning transaction: the timeline is not part of it, and a pin of a deleted
   * message is never worth keeping. Returns how many were dropped.
   */
  async function dropPinsOfGoneMessages(channelId: string): Promise<number> {
    const ids = (
      await deps.db.select({ id: pins.messageId }).from(pins).where(eq(pins.channelId, channelId))
    ).map((p) => p.id);
    const present = new Set((await deps.timeline.get(channelId, ids)).map((m) => m.id));
    const gone = ids.filter((id) => !present.has(id));
    if (gone.length)
      await deps.db.delete(pins).where(and(eq(pins.channelId, channelId), inArray(pins.messageId, gone)));
    return gone.length;
  }

  return {
    /**
     * Pins the message in its container with a ChannelPinsUpdated event; false, with no event, when it
     * was already pinned. LIMIT_REACHED at MAX_PINS (pins of deleted messages do not count).
     */
    async pin(message: MessageRef, actorId: string): Promise<boolean> {
      try {
        return await tryPin(message, actorId);
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'LIMIT_REACHED')) throw error;
        if (!(await dropPinsOfGoneMessages(message.channelId))) throw error;
        return tryPin(message, actorId);
      }
    },

    /** Unpins the message with a ChannelPinsUpdated event; false, with no event, when it was not pinned. */
    unpin: (message: MessageRef, actorId: string): Promise<boolean> =>
      commitChange(deps, async (tx) => {
        const held = await lockPins(tx, message);
        const removed = await tx
          .delete(pins)
          .where(and(eq(pins.channelId, message.channelId), eq(pins.messageId, message.id)))
          .returning({ id: pins.messageId });
        if (!removed.length) return { result: false, events: [] };
        await recordPinCount(tx, message.channelId, held - 1);
        return { result: true, events: [pinsUpdated(message, actorId, false)] };
      }),

    /** Ids of the container's pinned messages, most recently pinned first. */
    pinnedIds: async (channelId: string): Promise<string[]> =>
      (
        await deps.db
          .select({ id: pins.messageId })
          .from(pins)
          .where(eq(pins.channelId, channelId))
          .orderBy(desc(pins.pinnedAt), desc(pins.messageId))
          .limit(MAX_PINS)
      ).map((p) => p.id),

    /** For each message, whether it is pinned: one query for the batch, on the primary key. */
    async pinnedAmong(messages: readonly { channelId: string; messageId: string }[]): Promise<boolean[]> {
      const byChannel = new Map<string, string[]>();
      for (const m of messages)
        byChannel.set(m.channelId, [...(byChannel.get(m.channelId) ?? []), m.messageId]);
      const rows = messages.length
        ? await deps.db
            .select({ channelId: pins.channelId, messageId: pins.messageId })
            .from(pins)
            .where(
              or(
                ...[...byChannel].map(([channelId, ids]) =>
                  and(eq(pins.channelId, channelId), inArray(pins.messageId, ids)),
                ),
              ),
            )
        : [];
      const pinned = new Set(rows.map((r) => `${r.channelId}:${r.messageId}`));
      return messages.map((m) => pinned.has(`${m.channelId}:${m.messageId}`));
    },
  };
};
