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
export {
  createNatsBus,
  natsConnectOptions,
  type NatsAuth,
  type NatsBusOptions,
  type NatsTls,
} from './nats-bus.ts';
export { subjectMatches } from './subject.ts';
