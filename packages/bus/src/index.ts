import type { EventBus } from './port.ts';
import type { NatsBusOptions } from './nats-bus.ts';

export type {
  BusEvent,
  BusHandler,
  BusSubscription,
  DeadLetterData,
  DurableConsumer,
  DurableMessage,
  DurableSpec,
  DurableStatus,
  EventBus,
  PublishResult,
} from './port.ts';
export { ReplayGapError } from './port.ts';
export { DEAD_LETTER_TYPE } from './durable.ts';
export { createMemoryBus, type MemoryBusOptions } from './memory-bus.ts';
export type { NatsAuth, NatsBusOptions, NatsTls } from './nats-bus.ts';
export { subjectMatches } from './subject.ts';

/** The NATS client is imported on first use: an embedded process never loads it (decision 0037). */
export async function createNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const nats = await import('./nats-bus.ts');
  return nats.createNatsBus(options);
}
