import type { Database, Transaction } from '@gochat/db';
import type { NewEvent } from '@gochat/events';
import { appendToOutbox } from '@gochat/outbox';

import { settleLastMessage } from './channel-state.ts';
import type { MessageTimeline, StagedMutation, TimelineMutation } from './port.ts';
import { removeMessages, type MessageDeletion } from './removal.ts';

/** What a write to the message store needs. */
export interface MessageStoreDeps {
  db: Database;
  timeline: MessageTimeline;
  /** Publishes committed outbox events soon; called once the staged writes are applied. */
  kick?(): void;
}

/** The message-store writes of one transaction, each announced by an outbox event of that transaction. */
export interface MessageWrites {
  /** Makes an insert or edit part of the transaction, under the id of the event announcing it. */
  stage(eventId: string, mutation: Exclude<TimelineMutation, { op: 'delete' }>): Promise<void>;
  /** stage() for several writes, in order, in as few statements as the store can. */
  stageMany(staged: readonly StagedMutation[]): Promise<void>;
  /**
   * Deletes messages with everything that hangs off them (removal.ts, the one place that knows what
   * that is) and stages each container's timeline delete under its event. Returns what was removed.
   */
  remove(deletions: readonly MessageDeletion[]): Promise<MessageDeletion[]>;
}

/**
 * The staged-write sequence, for every writer of messages (the messages and guilds subgraphs): runs
 * `work` in one PostgreSQL transaction, in which the timeline writes are staged next to the outbox
 * events announcing them (PostgreSQL applies them there; ScyllaDB records them in timeline_pending).
 * After commit: each staged write is applied (ScyllaDB; the outbox relay applies any still pending
 * before it publishes, so a crash here loses nothing), the relay is kicked, and each container that
 * lost messages has its last message settled. Decision 0015.
 */
export async function commitMessageWrites<T>(
  deps: MessageStoreDeps,
  work: (tx: Transaction, writes: MessageWrites) => Promise<T>,
): Promise<T> {
  const { db, timeline } = deps;
  let staged: { eventId: string; mutation: TimelineMutation }[] = [];
  let removed: MessageDeletion[] = [];
  const result = await db.transaction(async (tx) => {
    staged = [];
    removed = [];
    const stage = async (eventId: string, mutation: TimelineMutation) => {
      await timeline.stage(tx, eventId, mutation);
      staged.push({ eventId, mutation });
    };
    return work(tx, {
      stage,
      async stageMany(many) {
        await timeline.stageMany(tx, many);
        staged.push(...many);
      },
      async remove(deletions) {
        const gone = await removeMessages(tx, deletions);
        const deletedAt = new Date().toISOString();
        for (const { channelId, ids, eventId } of gone)
          await stage(eventId, { op: 'delete', channelId, ids, deletedAt });
        removed.push(...gone);
        return gone;
      },
    });
  });
  for (const { eventId, mutation } of staged) await timeline.afterCommit(eventId, mutation);
  deps.kick?.();
  // Reads the timeline, which ScyllaDB cannot do inside the transaction.
  for (const { channelId, ids } of removed) await settleLastMessage(db, timeline, channelId, ids);
  return result;
}

/** A change made in one transaction, with the events that announce it. */
export interface Change<T> {
  result: T;
  /** Published after commit through the outbox. */
  events: NewEvent[];
  /** A message inserted or edited, announced by events[0]. */
  timeline?: Exclude<TimelineMutation, { op: 'delete' }>;
  /** Messages of one container deleted with their dependents, announced by events[0]. */
  removes?: { channelId: string; ids: string[] };
}

/**
 * commitMessageWrites for a change described as data: appends its events to the outbox and makes its
 * message write (if any) part of the same commit, announced by the first event.
 */
export function commitChange<T>(
  deps: MessageStoreDeps,
  work: (tx: Transaction) => Promise<Change<T>>,
): Promise<T> {
  return commitMessageWrites(deps, async (tx, writes) => {
    const change = await work(tx);
    const [announcing] = await appendToOutbox(tx, change.events);
    if (!change.timeline && !change.removes) return change.result;
    if (!announcing) throw new Error('a message-store write needs an event that announces it');
    if (change.timeline) await writes.stage(announcing.id, change.timeline);
    if (change.removes) await writes.remove([{ ...change.removes, eventId: announcing.id }]);
    return change.result;
  });
}
