import { secretsSection } from '@gochat/config';
import { z } from 'zod';

/** What the guilds role reads beyond the shared infrastructure sections. */
export const guildsConfigSchema = z.object({ secrets: secretsSection('internal') });
export type GuildsConfig = z.infer<typeof guildsConfigSchema>;
