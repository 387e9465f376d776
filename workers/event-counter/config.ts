import { workerConfigSchema } from '../harness/index.ts';
import type { z } from 'zod';

import { EVENT_COUNTER } from './worker.ts';

/** The event-counter role reads its harness settings under workers.event-counter. */
export const eventCounterConfigSchema = workerConfigSchema(EVENT_COUNTER);
export type EventCounterConfig = z.infer<typeof eventCounterConfigSchema>;
