import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openDatabase, type Database } from '@gochat/db';
import { silentLogger } from '@gochat/log';
import { createTestDatabase, dropTestDatabase, realServer } from '@gochat/testkit';
import { afterAll, describe, expect, it } from 'vitest';

import { runSearchContract, type SearchWorld } from '../testing/contract.ts';
import { documentFactory, request } from '../testing/documents.ts';

import { createPostgresSearchIndex } from './index.ts';
import { COUNT_CAP, SearchTimeoutError } from './query.ts';

const pgUrl = await realServer('postgres');

/** A migrated database of its own: PGlite in a temporary directory, or a fresh one on the server. */
const world =
  (adminUrl: string | null, options: { recentWindow?: number } = {}) =>
  async (): Promise<SearchWorld & { db: Database }> => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-search-'));
    const url = adminUrl ? await createTestDatabase(adminUrl) : undefined;
    const handle = await openDatabase({ url, dataDir, poolSize: 4, log: silentLogger });
    await handle.migrate();
    return {
      db: handle.db,
      index: createPostgresSearchIndex(handle.db, options),
      close: async () => {
        await handle.close();
        if (url && adminUrl) await dropTestDatabase(adminUrl, url);
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };

runSearchContract('postgres full-text on pglite', world(null));
// Time-sorted pages first read the newest rows in order, then fall back to the text index. With a
// window of 2 rows, every contract case takes one path or both: each must answer the same.
runSearchContract(
  'postgres full-text on pglite, a recent window of 2 rows',
  world(null, { recentWindow: 2 }),
);
describe.skipIf(!pgUrl)('on a PostgreSQL server', () => {
  runSearchContract('postgres full-text on postgresql', world(pgUrl));
});

/** A search the database cannot answer in time is cancelled, not left to hold a core. */
describe.skipIf(!pgUrl)('a search statement past its timeout (PostgreSQL)', () => {
  let opened: SearchWorld & { db: Database };
  afterAll(async () => {
    await opened?.close();
  });

  it('is cancelled with SearchTimeoutError', async () => {
    opened = await world(pgUrl)();
    const factory = documentFactory();
    // Many messages holding one word: a phrase of it repeated must recheck positions in every one.
    for (let batch = 0; batch < 10; batch++)
      await opened.index.upsert(
        Array.from({ length: 2_000 }, () =>
          factory.doc({ content: 'echo echo echo echo filler words here' }),
        ),
      );
    const slow = createPostgresSearchIndex(opened.db, { statementTimeoutMs: 1 });
    await expect(slow.search(request({ phrases: ['echo echo echo'] }))).rejects.toBeInstanceOf(
      SearchTimeoutError,
    );
    // The same search with the default timeout answers.
    const page = await opened.index.search(request({ phrases: ['echo echo echo'] }));
    expect(page.total).toBe(COUNT_CAP);
  }, 60_000);
});
