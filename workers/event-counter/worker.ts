import { subjects } from '@gochat/events';
import type { Registry } from '@gochat/log';
import { Counter } from 'prom-client';

import { defineWorker, type Delivered, type WorkerDefinition } from '../harness/index.ts';

export const EVENT_COUNTER = 'event-counter';

const COUNTED = ['MessageCreated', 'MessageUpdated', 'MessageDeleted', 'MessagesBulkDeleted'] as const;
export type CountedType = (typeof COUNTED)[number];

/** Event ids remembered to count each event once although delivery is at least once. */
const REMEMBERED_IDS = 100_000;

export interface EventCounterOptions {
  metrics: Registry;
  /** For tests: runs before an event is counted; throwing fails the event, waiting holds it. */
  inspect?: (delivered: Delivered<CountedType>) => Promise<void>;
}

export interface EventCounter {
  definition: WorkerDefinition<CountedType>;
  /** Events counted by this process, by type. */
  counts(): Record<CountedType, number>;
}

/**
 * The first worker, small on purpose: it counts message activity (sent, edited, deleted, bulk
 * deleted) into gochat_message_events_total{type}, each event once per process however often it is
 * delivered (the last 100,000 ids are remembered). It proves the harness end to end.
 */
export function createEventCounter(options: EventCounterOptions): EventCounter {
  const name = 'gochat_message_events_total';
  const metric =
    (options.metrics.getSingleMetric(name) as Counter<'type'> | undefined) ??
    new Counter({
      name,
      help: 'Message events counted by the event-counter worker, by type.',
      labelNames: ['type'] as const,
      registers: [options.metrics],
    });
  const counts = Object.fromEntries(COUNTED.map((type) => [type, 0])) as Record<CountedType, number>;
  const seen = new Set<string>();

  const definition = defineWorker<CountedType>({
    name: EVENT_COUNTER,
    subjects: [subjects.channelMessages('*', '*')],
    events: COUNTED,
    async handle(delivered) {
      await options.inspect?.(delivered);
      const { id, type } = delivered.event;
      if (seen.has(id)) return;
      seen.add(id);
      // A Set iterates in insertion order: the first id is the oldest.
      if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value!);
      counts[type]++;
      metric.inc({ type });
    },
  });
  return { definition, counts: () => ({ ...counts }) };
}
