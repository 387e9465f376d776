import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openDatabase } from '@gochat/db';
import { silentLogger } from '@gochat/log';
import { createTestDatabase, dropTestDatabase, realServer } from '@gochat/testkit';
import { describe } from 'vitest';

import { runSearchContract, type SearchWorld } from '../testing/contract.ts';
import { createPostgresSearchIndex } from './index.ts';

const pgUrl = await realServer('postgres');

/** A migrated database of its own: PGlite in a temporary directory, or a fresh one on the server. */
const world = (adminUrl: string | null) => async (): Promise<SearchWorld> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-search-'));
  const url = adminUrl ? await createTestDatabase(adminUrl) : undefined;
  const handle = await openDatabase({ url, dataDir, poolSize: 4, log: silentLogger });
  await handle.migrate();
  return {
    index: createPostgresSearchIndex(handle.db),
    close: async () => {
      await handle.close();
      if (url && adminUrl) await dropTestDatabase(adminUrl, url);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

runSearchContract('postgres full-text on pglite', world(null));
describe.skipIf(!pgUrl)('on a PostgreSQL server', () => {
  runSearchContract('postgres full-text on postgresql', world(pgUrl));
});
