import type { Database, Transaction } from '@gochat/db';
import { blocks, channelRecipients, channels, directPairs, user } from '@gochat/drizzle';
import { DomainError, forbidden, notFound, validation } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import { appendToOutbox } from '@gochat/outbox';
import { hiddenDirectChannelIds } from '@gochat/user-settings';
import { and, asc, desc, eq, inArray, isNull, or } from 'drizzle-orm';

import type { ChannelRow } from './rows.ts';
import { lockChannel } from './tx.ts';

/** Participants of a group DM, the caller included. */
export const GROUP_DM_MAX_PARTICIPANTS = 10;

/** A DM or group DM as a write left it: the channel row and its participants, longest-standing first. */
export interface DirectChannelState {
  channel: ChannelRow;
  recipientIds: string[];
}

/** A 1:1 DM is keyed by its two users in string order, so (a, b) and (b, a) are the same pair. */
export const pairOf = (a: string, b: string): [string, string] => (a < b ? [a, b] : [b, a]);

/** Thrown inside openDirectMessage's transaction when a concurrent call created the pair first. */
class PairTaken extends Error {}

async function recipientsOf(db: Database | Transaction, channelId: string): Promise<string[]> {
  const rows = await db
    .select({ userId: channelRecipients.userId })
    .from(channelRecipients)
    .where(eq(channelRecipients.channelId, channelId))
    .orderBy(asc(channelRecipients.addedAt), asc(channelRecipients.userId));
  return rows.map((r) => r.userId);
}

/** Locks the group DM's row for the rest of the transaction, so participant changes serialize. */
async function lockGroupDm(tx: Transaction, channelId: string): Promise<ChannelRow> {
  const channel = await lockChannel(tx, channelId);
  if (channel.kind !== 'group_dm') throw validation('Not a group DM.', 'channelId');
  return channel;
}

function requireGroupOwner(channel: ChannelRow, actorId: string, recipientIds: string[]): void {
  if (!recipientIds.includes(actorId)) throw forbidden('Not a participant of this conversation.');
  if (channel.ownerId !== actorId) throw forbidden('Only the group DM owner can do this.');
}

const updated = (actorId: string, state: DirectChannelState, notify: Iterable<string>) => {
  const payload = {
    actorId,
    channelId: state.channel.id,
    recipientIds: state.recipientIds,
    ownerId: state.channel.ownerId,
  };
  return [...new Set(notify)].map((userId) =>
    newEvent('DirectChannelUpdated', subjects.user(userId), payload),
  );
};

/** DMs and group DMs: channels without a guild, whose participants are channel_recipients rows. */
export function directStore(db: Database, ids: SnowflakeGenerator) {
  return {
    /** Which of these user ids have an account that was not deleted (a deleted one takes no new DM). */
    async existingUsers(userIds: readonly string[]): Promise<Set<string>> {
      if (userIds.length === 0) return new Set();
      const rows = await db
        .select({ id: user.id })
        .from(user)
        .where(and(inArray(user.id, [...userIds]), isNull(user.deletedAt)));
      return new Set(rows.map((r) => r.id));
    },

    /** True when userId blocked any of others, or any of others blocked userId. */
    async blockedEitherWay(userId: string, others: readonly string[]): Promise<boolean> {
      if (others.length === 0) return false;
      const rows = await db
        .select({ blockerId: blocks.blockerId })
        .from(blocks)
        .where(
          or(
            and(eq(blocks.blockerId, userId), inArray(blocks.blockedId, [...others])),
            and(eq(blocks.blockedId, userId), inArray(blocks.blockerId, [...others])),
          ),
        )
        .limit(1);
      return rows.length > 0;
    },

    /** The caller's DMs and group DMs, newest first. */
    /**
     * The user's DMs and group DMs, newest first, without those they hid (mySettings) that have had no
     * message since: a new message brings a hidden DM back, with no write to the settings.
     */
    async myDirectChannels(userId: string): Promise<ChannelRow[]> {
      const [rows, hidden] = await Promise.all([
        db
          .select({ channel: channels })
          .from(channelRecipients)
          .innerJoin(channels, eq(channels.id, channelRecipients.channelId))
          .where(and(eq(channelRecipients.userId, userId), isNull(channels.guildId)))
          .orderBy(desc(channels.id)),
        hiddenDirectChannelIds(db, userId),
      ]);
      return rows.map((r) => r.channel).filter((channel) => !hidden.has(channel.id));
    },

    /**
     * The 1:1 DM of two users, created when missing. Concurrent calls for the same pair agree on one
     * channel: the pair's primary key lets one insert win; the others roll back and read the winner's.
     */
    async openDirectMessage(
      callerId: string,
      otherId: string,
    ): Promise<DirectChannelState & { created: boolean }> {
      const [low, high] = pairOf(callerId, otherId);
      const existing = async (): Promise<(DirectChannelState & { created: boolean }) | undefined> => {
        const [row] = await db
          .select({ channel: channels })
          .from(directPairs)
          .innerJoin(channels, eq(channels.id, directPairs.channelId))
          .where(and(eq(directPairs.userLow, low), eq(directPairs.userHigh, high)));
        return row ? { channel: row.channel, recipientIds: [low, high], created: false } : undefined;
      };
      const found = await existing();
      if (found) return found;
      try {
        return await db.transaction(async (tx) => {
          const [channel] = await tx
            .insert(channels)
            .values({ id: ids.next(), kind: 'dm', guildId: null })
            .returning();
          if (!channel) throw new Error('insert returned no channel');
          const won = await tx
            .insert(directPairs)
            .values({ userLow: low, userHigh: high, channelId: channel.id })
            .onConflictDoNothing()
            .returning({ channelId: directPairs.channelId });
          if (won.length === 0) throw new PairTaken();
          await tx.insert(channelRecipients).values([
            { channelId: channel.id, userId: low },
            { channelId: channel.id, userId: high },
          ]);
          const payload = { channelId: channel.id, kind: 'dm' as const, recipientIds: [low, high] };
          await appendToOutbox(tx, [
            newEvent('DirectChannelCreated', subjects.user(low), payload),
            newEvent('DirectChannelCreated', subjects.user(high), payload),
          ]);
          return { channel, recipientIds: [low, high], created: true };
        });
      } catch (error) {
        if (!(error instanceof PairTaken)) throw error;
        const winner = await existing();
        if (!winner) throw new Error('direct pair vanished after a conflicting insert');
        return winner;
      }
    },

    /** A group DM owned by ownerId with the given others; everyone hears DirectChannelCreated. */
    createGroupDm: (ownerId: string, others: string[], name: string | null): Promise<DirectChannelState> =>
      db.transaction(async (tx) => {
        const [channel] = await tx
          .insert(channels)
          .values({ id: ids.next(), kind: 'group_dm', guildId: null, name, ownerId })
          .returning();
        if (!channel) throw new Error('insert returned no channel');
        const participants = [ownerId, ...others];
        await tx
          .insert(channelRecipients)
          .values(participants.map((userId) => ({ channelId: channel.id, userId })));
        const recipientIds = await recipientsOf(tx, channel.id);
        const payload = { channelId: channel.id, kind: 'group_dm' as const, recipientIds };
        await appendToOutbox(
          tx,
          participants.map((userId) => newEvent('DirectChannelCreated', subjects.user(userId), payload)),
        );
        return { channel, recipientIds };
      }),

    /**
     * Adds a participant (owner only, under the channel's row lock so the cap of 10 holds against
     * concurrent adds). Idempotent: adding a participant again changes nothing and publishes nothing.
     */
    addGroupDmRecipient: (actorId: string, channelId: string, userId: string): Promise<DirectChannelState> =>
      db.transaction(async (tx) => {
        const channel = await lockGroupDm(tx, channelId);
        const before = await recipientsOf(tx, channelId);
        requireGroupOwner(channel, actorId, before);
        if (before.includes(userId)) return { channel, recipientIds: before };
        if (before.length >= GROUP_DM_MAX_PARTICIPANTS)
          throw new DomainError(
            'LIMIT_REACHED',
            `A group DM has at most ${GROUP_DM_MAX_PARTICIPANTS} participants.`,
          );
        await tx.insert(channelRecipients).values({ channelId, userId });
        const state = { channel, recipientIds: await recipientsOf(tx, channelId) };
        await appendToOutbox(tx, updated(actorId, state, state.recipientIds));
        return state;
      }),

    /** Removes another participant (owner only). */
    removeGroupDmRecipient: (
      actorId: string,
      channelId: string,
      userId: string,
    ): Promise<DirectChannelState> =>
      db.transaction(async (tx) => {
        const channel = await lockGroupDm(tx, channelId);
        const before = await recipientsOf(tx, channelId);
        requireGroupOwner(channel, actorId, before);
        if (userId === actorId)
          throw validation('Leave the group DM instead of removing yourself.', 'userId');
        if (!before.includes(userId)) throw notFound('Participant');
        await tx
          .delete(channelRecipients)
          .where(and(eq(channelRecipients.channelId, channelId), eq(channelRecipients.userId, userId)));
        const state = { channel, recipientIds: before.filter((u) => u !== userId) };
        await appendToOutbox(tx, updated(actorId, state, before));
        return state;
      }),

    /**
     * The caller leaves. An owner leaving hands the group to the longest-standing participant
     * (then lowest id); the last one out deletes the channel and its messages.
     */
    leaveGroupDm: (actorId: string, channelId: string): Promise<DirectChannelState & { deleted: boolean }> =>
      db.transaction(async (tx) => {
        const channel = await lockGroupDm(tx, channelId);
        const before = await recipientsOf(tx, channelId);
        if (!before.includes(actorId)) throw forbidden('Not a participant of this conversation.');
        await tx
          .delete(channelRecipients)
          .where(and(eq(channelRecipients.channelId, channelId), eq(channelRecipients.userId, actorId)));
        const remaining = before.filter((u) => u !== actorId);
        if (remaining.length === 0) {
          await tx.delete(channels).where(eq(channels.id, channelId));
          const state = { channel: { ...channel, ownerId: null }, recipientIds: [] };
          await appendToOutbox(tx, updated(actorId, state, before));
          return { ...state, deleted: true };
        }
        let next = channel;
        if (channel.ownerId === actorId || channel.ownerId === null) {
          const [row] = await tx
            .update(channels)
            .set({ ownerId: remaining[0] ?? null })
            .where(eq(channels.id, channelId))
            .returning();
          if (row) next = row;
        }
        const state = { channel: next, recipientIds: remaining };
        await appendToOutbox(tx, updated(actorId, state, before));
        return { ...state, deleted: false };
      }),
  };
}
