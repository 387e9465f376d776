/**
 * Durable consumers: the bus port's at-least-once side, for workers (decision 0034). Both buses
 * implement the raw deliveries; the policy here (retry or dead-letter, the delivery limit) is shared,
 * so a worker sees the same behaviour embedded and on NATS.
 */
import type { Logger } from '@gochat/log';

import type { BusEvent, DeadLetterData, DurableMessage, DurableSpec } from './port.ts';
import { assertPattern, assertSubject } from './subject.ts';

export type ResolvedDurableSpec = Required<DurableSpec>;

export const DEAD_LETTER_TYPE = 'EventDeadLettered';
const RAW_KEPT = 4096;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Two patterns overlap when some subject matches both (tokens compared pairwise, '>' swallows the rest). */
export function patternsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === '>' || y[i] === '>') return x[i] !== undefined && y[i] !== undefined;
    if (x[i] === undefined || y[i] === undefined) return false;
    if (x[i] !== '*' && y[i] !== '*' && x[i] !== y[i]) return false;
  }
  return true;
}

export function resolveDurableSpec(spec: DurableSpec): ResolvedDurableSpec {
  if (!NAME.test(spec.name))
    throw new Error(`Invalid durable name ${JSON.stringify(spec.name)}: use letters, digits, '-' and '_'`);
  if (spec.patterns.length === 0) throw new Error(`Durable ${spec.name} needs at least one pattern`);
  spec.patterns.forEach(assertPattern);
  // Overlapping patterns would deliver one event twice on NATS (one JetStream consumer per pattern).
  spec.patterns.forEach((a, i) =>
    spec.patterns.slice(i + 1).forEach((b) => {
      if (patternsOverlap(a, b)) throw new Error(`Durable ${spec.name}: patterns ${a} and ${b} overlap`);
    }),
  );
  assertSubject(spec.deadLetterSubject);
  const resolved: ResolvedDurableSpec = {
    name: spec.name,
    patterns: [...new Set(spec.patterns)].sort(),
    deadLetterSubject: spec.deadLetterSubject,
    ackWaitMs: spec.ackWaitMs ?? 30_000,
    maxDeliveries: spec.maxDeliveries ?? 5,
    startAt: spec.startAt ?? 'new',
    prefetch: spec.prefetch ?? 100,
  };
  if (!(resolved.ackWaitMs >= 100)) throw new Error(`Durable ${spec.name}: ackWaitMs must be at least 100`);
  if (!(resolved.maxDeliveries >= 1))
    throw new Error(`Durable ${spec.name}: maxDeliveries must be at least 1`);
  if (!(resolved.prefetch >= 1)) throw new Error(`Durable ${spec.name}: prefetch must be at least 1`);
  return resolved;
}

/** What a bus hands the shared policy for one delivery. */
export interface RawDelivery {
  /** Null when the stored payload is not a bus event. */
  event: BusEvent | null;
  subject: string;
  seq: number;
  deliveries: number;
  /** The stored text, for a dead letter of an undecodable event. */
  raw: () => string;
  ack(): Promise<void>;
  nak(delayMs: number): void;
  working(): void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Turns raw deliveries into what a handler sees. Past the delivery limit (the last one expired, or the
 * process handling it died) and for undecodable payloads, the event is dead-lettered here and not
 * returned: a poison event never reaches a handler more than maxDeliveries times.
 */
export function createDeliveryPolicy(
  spec: ResolvedDurableSpec,
  publish: (event: BusEvent) => Promise<unknown>,
) {
  async function deadLetter(raw: RawDelivery, error: string): Promise<void> {
    const data: DeadLetterData = {
      consumer: spec.name,
      subject: raw.subject,
      seq: raw.seq,
      attempts: raw.deliveries,
      error,
      event: raw.event,
      ...(raw.event ? {} : { raw: raw.raw().slice(0, RAW_KEPT) }),
    };
    // The id is stable: dead-lettering the same delivery twice (ack lost) is deduplicated by the bus.
    await publish({
      id: `deadletter.${spec.name}.${raw.seq}.${raw.event?.id ?? 'raw'}`,
      type: DEAD_LETTER_TYPE,
      subject: spec.deadLetterSubject,
      occurredAt: new Date().toISOString(),
      data,
    });
    await raw.ack();
  }

  function toMessage(raw: RawDelivery, event: BusEvent): DurableMessage {
    return {
      event,
      deliveries: raw.deliveries,
      ack: () => raw.ack(),
      working: () => raw.working(),
      async fail(error, delayMs) {
        if (raw.deliveries >= spec.maxDeliveries) {
          await deadLetter(raw, message(error));
          return 'dead-lettered';
        }
        raw.nak(Math.max(0, delayMs));
        return 'retry';
      },
    };
  }

  return {
    /** The message for a handler, or null when this delivery was dead-lettered instead. */
    async admit(raw: RawDelivery): Promise<DurableMessage | null> {
      if (!raw.event) {
        await deadLetter(raw, 'the stored payload is not a bus event');
        return null;
      }
      if (raw.deliveries > spec.maxDeliveries) {
        await deadLetter(
          raw,
          `not acknowledged after ${spec.maxDeliveries} deliveries (ack wait expired or the worker stopped)`,
        );
        return null;
      }
      return toMessage(raw, raw.event);
    },
  };
}

/** What a bus supplies to the shared fetch loop. */
export interface DeliverySource {
  isClosed: () => boolean;
  /** Up to max deliveries available now (none: the loop waits). */
  take: (max: number) => RawDelivery[];
  /** Resolves when more may be available, or after ms. */
  wait: (ms: number) => Promise<void>;
}

/**
 * DurableConsumer.fetch over a bus's deliveries: waits up to waitMs for the first, admits them
 * through the policy, and keeps going when every one of them was dead-lettered instead.
 */
export function createFetch(
  source: DeliverySource,
  policy: ReturnType<typeof createDeliveryPolicy>,
  log: Logger,
): (max: number, waitMs: number) => Promise<DurableMessage[]> {
  return async (max, waitMs) => {
    const deadline = Date.now() + waitMs;
    while (!source.isClosed()) {
      const raws = source.take(Math.max(1, max));
      if (raws.length > 0) {
        const admitted = await Promise.all(
          raws.map((raw) =>
            policy.admit(raw).catch((err: unknown) => {
              // Delivered again rather than lost.
              log.error({ err, seq: raw.seq }, 'durable consumer: dead-lettering failed; will retry');
              raw.nak(1_000);
              return null;
            }),
          ),
        );
        const messages = admitted.filter((m): m is DurableMessage => m !== null);
        if (messages.length > 0) return messages;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      await source.wait(left);
    }
    return [];
  };
}
