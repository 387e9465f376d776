import { fileURLToPath } from 'node:url';

export * from './auth.ts';
export * from './guilds.ts';
export * from './media.ts';
export * from './messages.ts';
export * from './outbox.ts';
export * from './relationships.ts';
export * from './search.ts';
export * from './settings.ts';
export * from './voice.ts';

/** The one SQL migration set, applied at start and by `gochat migrate`, for PGlite and PostgreSQL. */
export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));
