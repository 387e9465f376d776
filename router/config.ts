import { publicUrl, routerSection, secretsSection } from '@gochat/config';
import { z } from 'zod';

/** What the router reads beyond the shared infrastructure sections. */
export const routerConfigSchema = z.object({
  publicUrl,
  secrets: secretsSection('internal'),
  router: routerSection,
});

export type RouterConfig = z.infer<typeof routerConfigSchema>;
