import { secretsSection } from '@gochat/config';
import { z } from 'zod';

/** What the search role reads beyond the shared infrastructure sections. */
export const searchConfigSchema = z.object({
  secrets: secretsSection('internal'),
});
export type SearchConfig = z.infer<typeof searchConfigSchema>;
