import { workerConfigSchema } from '../harness/index.ts';
import type { z } from 'zod';

import { MEDIA_JANITOR } from './worker.ts';

/** The media janitor reads its harness settings under workers.media-janitor. */
export const mediaJanitorConfigSchema = workerConfigSchema(MEDIA_JANITOR);
export type MediaJanitorConfig = z.infer<typeof mediaJanitorConfigSchema>;
