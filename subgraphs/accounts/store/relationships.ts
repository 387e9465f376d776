import { queryRows, type Database, type Transaction } from '@gochat/db';
import { blocks, friendRequests, friendships } from '@gochat/drizzle';
import { conflict, forbidden, notFound } from '@gochat/errors';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import { appendToOutbox } from '@gochat/outbox';
import { and, eq, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

import type { RelationshipRow, RelationshipStatus } from './rows.ts';

const none = (userId: string): RelationshipRow => ({ userId, status: 'NONE', since: new Date() });

/**
 * Serializes every relationship change between two users (whichever side starts it), so a request
 * racing a block, or two crossing requests, cannot leave contradictory rows.
 */
async function lockPair(tx: Transaction, a: string, b: string): Promise<void> {
  const key = a < b ? `${a}:${b}` : `${b}:${a}`;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`relationship:${key}`}))`);
}

const toBoth = <T extends 'FriendRequestCreated' | 'FriendRequestDeleted'>(
  type: T,
  senderId: string,
  recipientId: string,
): NewEvent[] => [
  newEvent(type, subjects.user(senderId), { senderId, recipientId }),
  newEvent(type, subjects.user(recipientId), { senderId, recipientId }),
];

const requestDeleted = (r: { senderId: string; recipientId: string }) =>
  toBoth('FriendRequestDeleted', r.senderId, r.recipientId);

const friendEvents = (type: 'FriendAdded' | 'FriendRemoved', a: string, b: string): NewEvent[] => [
  newEvent(type, subjects.user(a), { userIds: [a, b] }),
  newEvent(type, subjects.user(b), { userIds: [a, b] }),
];

/** Rows whose `from` column is a and `to` column is b (a request, a block, a friendship). */
const oneWay = (from: PgColumn, to: PgColumn, a: string, b: string) => and(eq(from, a), eq(to, b));
const eitherWay = (from: PgColumn, to: PgColumn, a: string, b: string) =>
  or(oneWay(from, to, a, b), oneWay(from, to, b, a));

const requestOf = (sender: string, recipient: string) =>
  oneWay(friendRequests.senderId, friendRequests.recipientId, sender, recipient);
const requestsBetween = (a: string, b: string) =>
  eitherWay(friendRequests.senderId, friendRequests.recipientId, a, b);
const blockOf = (blocker: string, blocked: string) =>
  oneWay(blocks.blockerId, blocks.blockedId, blocker, blocked);

async function blockedEitherWay(tx: Transaction, a: string, b: string): Promise<boolean> {
  const rows = await tx
    .select({ blockerId: blocks.blockerId })
    .from(blocks)
    .where(eitherWay(blocks.blockerId, blocks.blockedId, a, b));
  return rows.length > 0;
}

/** Makes a and b friends (both rows); the friendship's time is now. */
async function befriend(tx: Transaction, a: string, b: string): Promise<Date> {
  const since = new Date();
  await tx
    .insert(friendships)
    .values([
      { userId: a, friendId: b, createdAt: since },
      { userId: b, friendId: a, createdAt: since },
    ])
    .onConflictDoNothing();
  return since;
}

/** Ends a friendship both ways; true when there was one. */
async function unfriend(tx: Transaction, a: string, b: string): Promise<boolean> {
  const deleted = await tx
    .delete(friendships)
    .where(eitherWay(friendships.userId, friendships.friendId, a, b))
    .returning({ userId: friendships.userId });
  return deleted.length > 0;
}

interface RelationshipSqlRow extends Record<string, unknown> {
  user_id: string;
  status: RelationshipStatus;
  since: Date | string;
}

/**
 * Friends, friend requests and blocks (owned by accounts). Every change runs in one transaction with
 * its events; the guilds and messages subgraphs read `blocks` to refuse DMs.
 */
export function relationshipsStore(db: Database) {
  const write = (
    a: string,
    b: string,
    work: (tx: Transaction) => Promise<[RelationshipRow, NewEvent[]]>,
  ): Promise<RelationshipRow> =>
    db.transaction(async (tx) => {
      await lockPair(tx, a, b);
      const [result, events] = await work(tx);
      await appendToOutbox(tx, events);
      return result;
    });

  return {
    /** The caller's friends, requests both ways and blocks, newest first (optionally one status). */
    async relationships(userId: string, status?: RelationshipStatus): Promise<RelationshipRow[]> {
      if (status === 'NONE') return [];
      const rows = await queryRows<RelationshipSqlRow>(
        db,
        sql`/* accounts.relationships */
          select * from (
            select friend_id as user_id, 'FRIEND' as status, created_at as since from ${friendships} where user_id = ${userId}
            union all
            select recipient_id, 'OUTGOING_REQUEST', created_at from ${friendRequests} where sender_id = ${userId}
            union all
            select sender_id, 'INCOMING_REQUEST', created_at from ${friendRequests} where recipient_id = ${userId}
            union all
            select blocked_id, 'BLOCKED', created_at from ${blocks} where blocker_id = ${userId}
          ) r
          ${status ? sql`where r.status = ${status}` : sql``}
          order by r.since desc, r.user_id desc`,
      );
      return rows.map((r) => ({ userId: r.user_id, status: r.status, since: new Date(r.since) }));
    },

    /**
     * Asks `to` to be friends, or accepts at once when `to` had already asked. FORBIDDEN when either
     * blocked the other; CONFLICT when already friends or already asked.
     */
    sendFriendRequest: (from: string, to: string): Promise<RelationshipRow> =>
      write(from, to, async (tx) => {
        if (await blockedEitherWay(tx, from, to))
          throw forbidden('You cannot send this user a friend request.');
        const [friend] = await tx
          .select({ userId: friendships.userId })
          .from(friendships)
          .where(oneWay(friendships.userId, friendships.friendId, from, to));
        if (friend) throw conflict('You are already friends.');
        const pending = await tx.select().from(friendRequests).where(requestsBetween(from, to));
        if (pending.some((r) => r.senderId === from)) throw conflict('You already sent this user a request.');
        if (pending.length > 0) {
          await tx.delete(friendRequests).where(requestOf(to, from));
          const since = await befriend(tx, from, to);
          return [{ userId: to, status: 'FRIEND', since }, friendEvents('FriendAdded', from, to)];
        }
        const [row] = await tx.insert(friendRequests).values({ senderId: from, recipientId: to }).returning();
        if (!row) throw new Error('insert returned no request');
        return [
          { userId: to, status: 'OUTGOING_REQUEST', since: row.createdAt },
          toBoth('FriendRequestCreated', from, to),
        ];
      }),

    /** Accepts `from`'s request to `me`. NOT_FOUND when there is none. */
    acceptFriendRequest: (me: string, from: string): Promise<RelationshipRow> =>
      write(me, from, async (tx) => {
        const deleted = await tx.delete(friendRequests).where(requestOf(from, me)).returning();
        if (deleted.length === 0) throw notFound('Friend request');
        const since = await befriend(tx, me, from);
        return [{ userId: from, status: 'FRIEND', since }, friendEvents('FriendAdded', me, from)];
      }),

    /** Declines an incoming request or cancels an outgoing one. NOT_FOUND when there is none. */
    declineFriendRequest: (me: string, other: string): Promise<RelationshipRow> =>
      write(me, other, async (tx) => {
        const deleted = await tx.delete(friendRequests).where(requestsBetween(me, other)).returning();
        if (deleted.length === 0) throw notFound('Friend request');
        return [none(other), deleted.flatMap(requestDeleted)];
      }),

    /** Ends a friendship. NOT_FOUND when there is none. */
    removeFriend: (me: string, other: string): Promise<RelationshipRow> =>
      write(me, other, async (tx) => {
        if (!(await unfriend(tx, me, other))) throw notFound('Friendship');
        return [none(other), friendEvents('FriendRemoved', me, other)];
      }),

    /**
     * Blocks `other`: ends the friendship and requests both ways in the same transaction. Idempotent:
     * blocking again changes nothing and publishes nothing.
     */
    blockUser: (me: string, other: string): Promise<RelationshipRow> =>
      write(me, other, async (tx) => {
        const [existing] = await tx.select().from(blocks).where(blockOf(me, other));
        if (existing) return [{ userId: other, status: 'BLOCKED', since: existing.createdAt }, []];
        const events: NewEvent[] = [];
        if (await unfriend(tx, me, other)) events.push(...friendEvents('FriendRemoved', me, other));
        const requests = await tx.delete(friendRequests).where(requestsBetween(me, other)).returning();
        events.push(...requests.flatMap(requestDeleted));
        const [row] = await tx.insert(blocks).values({ blockerId: me, blockedId: other }).returning();
        if (!row) throw new Error('insert returned no block');
        events.push(newEvent('UserBlocked', subjects.user(me), { blockerId: me, blockedId: other }));
        return [{ userId: other, status: 'BLOCKED', since: row.createdAt }, events];
      }),

    /** Lifts `me`'s block of `other`. NOT_FOUND when there is none. */
    unblockUser: (me: string, other: string): Promise<RelationshipRow> =>
      write(me, other, async (tx) => {
        const deleted = await tx.delete(blocks).where(blockOf(me, other)).returning();
        if (deleted.length === 0) throw notFound('Block');
        return [
          none(other),
          [newEvent('UserUnblocked', subjects.user(me), { blockerId: me, blockedId: other })],
        ];
      }),
  };
}
