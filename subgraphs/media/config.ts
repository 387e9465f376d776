import { mediaSection, secretsSection } from '@gochat/config';
import { z } from 'zod';

/** What the media role reads beyond the shared infrastructure sections. */
export const mediaConfigSchema = z.object({
  secrets: secretsSection('internal'),
  media: mediaSection,
});
export type MediaConfig = z.infer<typeof mediaConfigSchema>;
