/**
 * The event bus port. Two implementations share one contract suite (bus.contract.ts):
 *   - memory: in-process, for embedded mode
 *   - nats:   NATS JetStream (stream captures every subject under the prefix; live delivery uses
 *             core subscriptions, which JetStream-captured subjects still reach)
 *
 * Subjects are relative to the bus prefix (e.g. 'channel.123.messages'); the implementation adds
 * '<prefix>.' on the wire. Patterns use NATS wildcards: '*' one token, '>' the rest.
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
  subscribe(pattern: string, handler: BusHandler): BusSubscription;
  /** Throws when the bus cannot serve (disconnected, closed). Used by /ready. */
  ping(): Promise<void>;
  /** Stops delivery to new work, delivers what is in flight, and closes. Idempotent. */
  drain(): Promise<void>;
}
