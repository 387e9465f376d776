import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openDatabase, type DatabaseHandle } from '@gochat/db';
import { silentLogger } from '@gochat/log';
import { createTestDatabase, dropTestDatabase } from '@gochat/testkit';

/** For this package's tests: PGlite in a temporary directory, or a fresh database on the server; migrated. */
export async function openTestDatabase(
  adminUrl: string | null,
): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-message-store-'));
  const url = adminUrl ? await createTestDatabase(adminUrl) : undefined;
  const handle = await openDatabase({ url, dataDir, poolSize: 4, log: silentLogger });
  await handle.migrate();
  return {
    handle,
    drop: async () => {
      await handle.close();
      if (url && adminUrl) await dropTestDatabase(adminUrl, url);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
