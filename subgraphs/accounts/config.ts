import { accountsSection, mailSection, publicUrl, secretsSection } from '@gochat/config';
import { z } from 'zod';

/** What the accounts role reads beyond the shared infrastructure sections. */
export const accountsConfigSchema = z.object({
  publicUrl,
  secrets: secretsSection('auth', 'internal'),
  mail: mailSection,
  accounts: accountsSection,
});

export type AccountsConfig = z.infer<typeof accountsConfigSchema>;
