import { openDatabase } from '@gochat/db';
import { createLogger } from '@gochat/log';

import type { LoadedConfig } from './load-config.ts';

/** `gochat migrate`: applies the SQL migration set to the configured database and exits. */
export async function migrate(config: LoadedConfig): Promise<void> {
  const log = createLogger({ level: config.host.log.level, role: 'migrate' });
  const handle = await openDatabase({
    url: config.host.database.url,
    dataDir: config.host.dataDir,
    poolSize: 1,
    log,
  });
  try {
    await handle.migrate();
    log.info({ kind: handle.kind }, 'migrations applied');
  } finally {
    await handle.close();
  }
}
