import type { NewEvent } from '@gochat/events';
import { commitMessageWrites, type MessageStoreDeps, type TimelineMutation } from '@gochat/message-store';
import { appendToOutbox } from '@gochat/outbox';

/** One message's previews: the store write and the event that announces it. */
export interface PreviewWrite {
  mutation: Extract<TimelineMutation, { op: 'setLinkEmbeds' }>;
  event: NewEvent;
}

/** Writes committed in one transaction at most (bounds the transaction and its outbox insert). */
const MAX_GROUP = 100;

/**
 * Group commit of the embedder's writes: the previews of every message finished while a transaction
 * was committing go into the next one together, each staged under its own announcing event. One
 * transaction per message cost more than fetching and parsing the page (bench:embeds). A handler's
 * `write` resolves once its previews are committed, so its event is acknowledged only then; if the
 * transaction fails, every write in it fails and each event comes back (the writes are idempotent).
 */
export function createPreviewWriter(deps: MessageStoreDeps): { write(item: PreviewWrite): Promise<void> } {
  let pending: { item: PreviewWrite; done: (error?: Error) => void }[] = [];
  let flushing = false;

  async function commit(group: typeof pending): Promise<void> {
    await commitMessageWrites(deps, async (tx, writes) => {
      const announced = await appendToOutbox(
        tx,
        group.map(({ item }) => item.event),
      );
      // One statement for the group's previews, not one per message.
      await writes.stageMany(
        group.map(({ item }, i) => ({ eventId: announced[i]!.id, mutation: item.mutation })),
      );
    });
  }

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (pending.length > 0) {
        const group = pending.slice(0, MAX_GROUP);
        pending = pending.slice(MAX_GROUP);
        try {
          await commit(group);
          for (const { done } of group) done();
        } catch (error) {
          const failure =
            error instanceof Error ? error : new Error('preview write failed', { cause: error });
          for (const { done } of group) done(failure);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    write(item) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ item, done: (error) => (error ? reject(error) : resolve()) });
        // After the current turn: the handlers finishing together join one transaction.
        setImmediate(() => void flush());
      });
    },
  };
}
