import type { Transaction } from '@gochat/db';
import { channelState, mentions, messageEdits, pins, reactions } from '@gochat/drizzle';
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** Messages of one container being deleted, and the outbox event that announces their delete. */
export interface MessageDeletion {
  /** The container: a channel or a thread. */
  channelId: string;
  ids: string[];
  /** The MessageDeleted or MessagesBulkDeleted event; the timeline delete is staged under its id. */
  eventId: string;
}

/** A table whose rows belong to one message of one container. */
type MessageDependent = { channelId: PgColumn; messageId: PgColumn };

/**
 * "These messages and everything that hangs off them are gone": the one place every delete path goes
 * through (a delete, a bulk delete, a ban's message purge), via MessageWrites.remove (commit.ts),
 * which also stages the timeline delete and, after commit, settles each container's last message.
 *
 * Removed here, in the caller's transaction: reactions, pins (with the container's pin count),
 * mentions (the unread mention counts) and edit history. Kept on purpose: read positions (an id is
 * only a bound), and a thread's starter_message_id (the thread outlives its starter, as in Discord).
 * The container's last message is settled after commit (channel-state.ts).
 * Deleting a channel, thread or guild removes its messages and all of these by the FK cascade on
 * parent_channel_id instead (PostgreSQL mode; decision 0015), and does not come through here.
 *
 * Extension point (attachments, search, embeddings; docs/decisions/0033-message-store-package.md):
 *   - a new dependent kept in PostgreSQL is one more delete below, in the same transaction;
 *   - a dependent outside PostgreSQL (blob store, search index, vectors) cannot join the transaction
 *     and must not be deleted here: it hangs off the announcing event. The deletions returned, and
 *     the outbox event whose id each carries, name exactly the ids that went, so a durable consumer
 *     of MessageDeleted / MessagesBulkDeleted acts on them at least once, after commit.
 *
 * The containers' channel_state rows are locked first, in id order, as pinning locks its container's
 * row, so a delete and a pin never interleave nor deadlock. Returns the deletions with any ids.
 */
export async function removeMessages(
  tx: Transaction,
  deletions: readonly MessageDeletion[],
): Promise<MessageDeletion[]> {
  const removed = deletions.filter((d) => d.ids.length > 0);
  if (removed.length === 0) return [];
  const ofRemoved = (table: MessageDependent) =>
    or(...removed.map((d) => and(eq(table.channelId, d.channelId), inArray(table.messageId, d.ids))));
  const containers = [...new Set(removed.map((d) => d.channelId))];

  await tx
    .select({ id: channelState.channelId })
    .from(channelState)
    .where(inArray(channelState.channelId, containers))
    .orderBy(asc(channelState.channelId))
    .for('update');
  await tx.delete(reactions).where(ofRemoved(reactions));
  const unpinned = await tx.delete(pins).where(ofRemoved(pins)).returning({ channelId: pins.channelId });
  await tx.delete(mentions).where(ofRemoved(mentions));
  await tx.delete(messageEdits).where(ofRemoved(messageEdits));
  await recountPins(tx, [...new Set(unpinned.map((p) => p.channelId))]);
  return removed;
}

/** Recounts the pins of containers that lost some (their channel_state rows are locked). */
async function recountPins(tx: Transaction, containerIds: string[]): Promise<void> {
  if (containerIds.length === 0) return;
  const list = sql.join(
    containerIds.map((id) => sql`${id}::bigint`),
    sql`, `,
  );
  await tx.execute(sql`/* message-store: pin counts after a delete */
    update channel_state cs
    set pin_count = (select count(*)::int from pins p where p.channel_id = cs.channel_id)
    where cs.channel_id in (${list})`);
}
