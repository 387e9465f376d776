import type { Database, Transaction } from '@gochat/db';
import type { NewEvent } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import { appendToOutbox } from '@gochat/outbox';

import type { MessageTimeline, TimelineMutation } from '../timeline/port.ts';

/** What every store module of the messages subgraph is built from. */
export interface StoreDeps {
  db: Database;
  ids: SnowflakeGenerator;
  timeline: MessageTimeline;
  /** Publishes committed outbox events soon. */
  kick(): void;
}

export interface Change<T> {
  result: T;
  /** Events announcing the change; published after commit through the outbox. */
  events: NewEvent[];
  /** A write to the message timeline, announced by events[0]. */
  timeline?: TimelineMutation;
}

/**
 * Runs `work` in one transaction with its outbox events and timeline mutation, so the change, its
 * events and its timeline write commit together (for ScyllaDB: the staged write, applied right after
 * commit and again by the relay before it publishes). Then kicks the relay.
 */
export async function commit<T>(deps: StoreDeps, work: (tx: Transaction) => Promise<Change<T>>): Promise<T> {
  let staged: { eventId: string; mutation: TimelineMutation } | undefined;
  const result = await deps.db.transaction(async (tx) => {
    const change = await work(tx);
    const published = await appendToOutbox(tx, change.events);
    if (change.timeline) {
      const announcing = published[0];
      if (!announcing) throw new Error('a timeline mutation needs an event that announces it');
      staged = { eventId: announcing.id, mutation: change.timeline };
      await deps.timeline.stage(tx, staged.eventId, staged.mutation);
    }
    return change.result;
  });
  if (staged) await deps.timeline.afterCommit(staged.eventId, staged.mutation);
  deps.kick();
  return result;
}
