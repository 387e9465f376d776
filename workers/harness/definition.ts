import type { BusEvent } from '@gochat/bus';
import type { EventPayloads, EventType } from '@gochat/events';
import type { Logger } from '@gochat/log';

/** An event of one of the types T, its payload narrowed by `type`. */
export type WorkerEvent<T extends EventType = EventType> = {
  [K in T]: Omit<BusEvent, 'type' | 'data'> & { type: K; data: EventPayloads[K] };
}[T];

/** An event as the handler gets it: with how many times it was delivered (1 the first time). */
export interface Delivered<T extends EventType = EventType> {
  event: WorkerEvent<T>;
  deliveries: number;
}

/** What a batch handler says: nothing (all done), or which events failed, by event id. */
export type BatchOutcome = void | { failed: ReadonlyMap<string, unknown> };

interface WorkerBase<T extends EventType> {
  /** The durable's name, shared by every process of the worker; also names metrics and the dead-letter subject. */
  name: string;
  /** Subject patterns, from the catalogue's builders (e.g. subjects.channelMessages('*', '*')). */
  subjects: readonly string[];
  /** Event types handled; other events on those subjects are acknowledged unread. */
  events: readonly T[];
  /** Where a new durable starts: events from now on (default), or everything the log retains. */
  startAt?: 'new' | 'all';
}

/**
 * One event at a time (up to `concurrency` at once). Throwing fails the event: it comes back after an
 * exponential delay, and after its last delivery goes to the dead-letter subject. Handlers must be
 * idempotent: delivery is at least once.
 */
export interface EventWorker<T extends EventType> extends WorkerBase<T> {
  handle(delivered: Delivered<T>, log: Logger): Promise<void>;
}

/** A whole batch at once (bulk writes). Throwing fails every event of the batch. */
export interface BatchWorker<T extends EventType> extends WorkerBase<T> {
  handleBatch(batch: Delivered<T>[], log: Logger): Promise<BatchOutcome>;
}

export type WorkerDefinition<T extends EventType = EventType> = EventWorker<T> | BatchWorker<T>;

/** Declares a worker with its event types checked against the catalogue. */
export function defineWorker<T extends EventType>(definition: WorkerDefinition<T>): WorkerDefinition<T> {
  return definition;
}
