/**
 * The event bus port. Two implementations share one contract suite (bus.contract.ts):
 *   - memory: in-process, for embedded mode
 *   - nats:   NATS JetStream. The stream captures every subject under the prefix and republishes
 *             each stored message, with its stream sequence, to '<prefix>_live.<subject>'; live
 *             subscribers listen there, so nothing is seen live before it is stored, and every live
 *             event carries the seq a resume cursor needs (decisions 0017, 0019). Ephemeral events
 *             go straight to the live subjects, unstored.
 *
 * Subjects are relative to the bus prefix (e.g. 'channel.123.messages'); the implementation adds
 * '<prefix>.' on the wire. Patterns use NATS wildcards: '*' one token, '>' the rest.
 *
 * Workers read through durable consumers (below; policy in durable.ts, decision 0034): at-least-once, acknowledged,
 * shared by every process that opens the same durable.
 */

export interface BusEvent<TData = Record<string, unknown>> {
  /** Globally unique. Sent as Nats-Msg-Id; the bus delivers an id at most once per subscriber. */
  id: string;
  /** Event type, e.g. 'MessageCreated'. Documented in docs/events.md. */
  type: string;
  /** Subject relative to the prefix, e.g. 'channel.123.messages'. */
  subject: string;
  /** ISO-8601 time the change was committed. */
  occurredAt: string;
  data: TData;
  /**
   * Position in the bus's durable log, set on delivery of stored events (never on publish). Absent on
   * ephemeral events (publishEphemeral), which are live-only.
   */
  seq?: number;
  /**
   * W3C trace context (`00-<trace id>-<parent id>-<flags>`) of the operation that caused the event,
   * kept through the outbox and the bus so a consumer's work joins the producer's trace. Unset
   * until tracing arrives; consumers must not require it.
   */
  traceparent?: string;
}

export interface PublishResult {
  /** True when the bus had already seen this event id (within its duplicate window). */
  duplicate: boolean;
}

/** Handlers run synchronously in delivery order; a throwing handler is logged and does not stop others. */
export type BusHandler = (event: BusEvent) => void;

export interface BusSubscription {
  unsubscribe(): void;
}

export interface EventBus {
  readonly kind: 'memory' | 'nats';
  /** Resolves once the event is durably accepted (JetStream ack) or, in memory, dispatched. */
  publish(event: BusEvent): Promise<PublishResult>;
  /** Delivers to live subscribers only: never stored, never replayed, no seq (typing indicators). */
  publishEphemeral(event: BusEvent): Promise<void>;
  subscribe(pattern: string, handler: BusHandler): BusSubscription;
  /**
   * Identity of the durable log: a cursor taken from another log (a restarted memory bus, a recreated
   * stream) must not be replayed against this one.
   */
  epoch(): Promise<string>;
  /**
   * Calls handler, in seq order, for each stored event matching any of the patterns with seq > afterSeq,
   * up to the log's end when replay started. Rejects with ReplayGapError when events of the matching
   * subjects after afterSeq are no longer retained (retention is per subject: another subject's
   * traffic never makes a gap here), when afterSeq is ahead of the log, or when more than maxEvents
   * matching events would have to be delivered.
   */
  replay(
    patterns: string | readonly string[],
    afterSeq: number,
    handler: BusHandler,
    options?: { maxEvents?: number },
  ): Promise<void>;
  /** The seq of the last stored event (0 when none): a subscriber listening now receives every later one. */
  position(): Promise<number>;
  /** Throws when the bus cannot serve (disconnected, closed). Used by /ready. */
  ping(): Promise<void>;
  /**
   * Opens (creating it when new) the durable consumer `spec.name` on `spec.patterns`. Every handle
   * opened with the same name and patterns, in this process or another one on the same log, shares
   * the work and the acknowledgement state (durable.contract.ts).
   */
  durable(spec: DurableSpec): Promise<DurableConsumer>;
  /** Stops delivery to new work, delivers what is in flight, and closes. Idempotent. */
  drain(): Promise<void>;
}

/* Durable consumers (decision 0034). */

export interface DurableSpec {
  /** Shared by every process of one worker: they split the work. Letters, digits, '-' and '_'. */
  name: string;
  /** Subject patterns (relative to the prefix), none overlapping another. */
  patterns: readonly string[];
  /** Where events that exhausted their deliveries go (a concrete subject, e.g. 'deadletter.indexer'). */
  deadLetterSubject: string;
  /** How long a delivered event may stay unacknowledged before it is delivered again. Default 30 s. */
  ackWaitMs?: number;
  /** Deliveries the handler gets; the one after that goes to the dead-letter subject. Default 5. */
  maxDeliveries?: number;
  /** Where a durable that does not exist yet starts: 'new' events only (default) or 'all' retained. */
  startAt?: 'new' | 'all';
  /** Events one handle holds ahead of its fetches (NATS pull size; unacked ones count against ackWait). Default 100. */
  prefetch?: number;
}

export interface DurableMessage {
  /** The event with its seq. */
  readonly event: BusEvent;
  /** 1 on the first delivery; above 1 the event was delivered before and not acknowledged. */
  readonly deliveries: number;
  /** Done: never delivered again. Resolves once the bus has recorded it. */
  ack(): Promise<void>;
  /**
   * The handler failed: deliver again after delayMs or, when this was the last delivery allowed,
   * publish a dead letter (with the error) and acknowledge. Resolves with what happened.
   */
  fail(error: unknown, delayMs: number): Promise<'retry' | 'dead-lettered'>;
  /** Still working on it: restarts the ack wait. */
  working(): void;
}

export interface DurableStatus {
  /** Events matching the patterns not acknowledged yet: never delivered, or delivered and in flight. */
  lag: number;
  /**
   * Events this durable never received because the log dropped them first (memory bus retention);
   * always 0 on NATS, where the server does not tell (decision 0034).
   */
  missed: number;
}

export interface DurableConsumer {
  readonly name: string;
  /**
   * Waits up to waitMs for an event, then resolves with what is available, up to max ([] when none
   * came or the consumer is closed). Events past their delivery limit are dead-lettered, not returned.
   */
  fetch(max: number, waitMs: number): Promise<DurableMessage[]>;
  status(): Promise<DurableStatus>;
  /**
   * Stops fetching (a waiting fetch resolves []). Events fetched and not acknowledged stay with the
   * durable and are delivered again after the ack wait, as after a crash. Idempotent.
   */
  close(): Promise<void>;
}

/** The payload of a dead letter (type DEAD_LETTER_TYPE), published on the spec's dead-letter subject. */
export interface DeadLetterData extends Record<string, unknown> {
  consumer: string;
  /** The original subject (relative) and seq. */
  subject: string;
  seq: number;
  /** Deliveries made, the failed or expired last one included. */
  attempts: number;
  error: string;
  /** The original event; null when it could not be decoded (then `raw` holds its start). */
  event: BusEvent | null;
  raw?: string;
}

/** The log no longer holds every event after the cursor: the reader must resynchronize from state. */
export class ReplayGapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayGapError';
  }
}

/** The log's bounds as a replay sees them when it starts. */
export interface LogBounds {
  /** The oldest retained seq (any subject); a replay starting before it may have lost events to age. */
  firstSeq: number;
  lastSeq: number;
}

/**
 * Whether a replay after afterSeq has anything to read in a log holding firstSeq..lastSeq; throws
 * ReplayGapError for a cursor ahead of the log, or one older than everything the log still holds.
 * Shared by both buses.
 */
export function replayRange(afterSeq: number, log: LogBounds): boolean {
  if (afterSeq > log.lastSeq)
    throw new ReplayGapError(`seq ${afterSeq} is ahead of the log (last is ${log.lastSeq})`);
  if (afterSeq === log.lastSeq) return false;
  if (afterSeq + 1 < log.firstSeq)
    throw new ReplayGapError(`events after ${afterSeq} are no longer retained (oldest is ${log.firstSeq})`);
  return true;
}

/** ReplayGapError when a replay would deliver more than maxEvents matching events. */
export function assertReplayCount(count: number, maxEvents: number | undefined): void {
  if (maxEvents !== undefined && count > maxEvents)
    throw new ReplayGapError(`${count} events to replay, more than ${maxEvents}`);
}

export const patternList = (patterns: string | readonly string[]): readonly string[] =>
  typeof patterns === 'string' ? [patterns] : patterns;
