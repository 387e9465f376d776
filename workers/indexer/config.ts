import type { z } from 'zod';

import { workerConfigSchema } from '../harness/index.ts';
import { INDEXER } from './worker.ts';

/**
 * The indexer reads its harness settings under workers.indexer. Its defaults in the registry favour
 * freshness: batches handed over as soon as they arrive (lingerMs 0), up to 500 at once.
 */
export const indexerConfigSchema = workerConfigSchema(INDEXER);
export type IndexerConfig = z.infer<typeof indexerConfigSchema>;
