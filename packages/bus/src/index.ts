export type { BusEvent, BusHandler, BusSubscription, EventBus, PublishResult } from './port.ts';
export { ReplayGapError } from './port.ts';
export { createMemoryBus, type MemoryBusOptions } from './memory-bus.ts';
export { createNatsBus, type NatsBusOptions } from './nats-bus.ts';
export { subjectMatches } from './subject.ts';
