import { messagesSection, secretsSection } from '@gochat/config';
import { z } from 'zod';

/** What the messages role reads beyond the shared infrastructure sections. */
export const messagesConfigSchema = z.object({
  secrets: secretsSection('internal'),
  messages: messagesSection,
});
export type MessagesConfig = z.infer<typeof messagesConfigSchema>;
