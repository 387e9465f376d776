import fs from 'node:fs';

import { applyEnv, searchSection } from '@gochat/config';
import { silentLogger } from '@gochat/log';
import { uniqueName } from '@gochat/testkit';
import { Client } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';

import { runSearchContract } from '../testing/contract.ts';
import { documentFactory, request } from '../testing/documents.ts';
import { createOpenSearchIndex, type OpenSearchIndexOptions } from './index.ts';

// OpenSearch cannot be installed on these machines: its suite runs wherever OPENSEARCH_URL names a
// cluster (with OPENSEARCH_USERNAME, OPENSEARCH_PASSWORD, OPENSEARCH_TLS_CA_FILE as the servers read them).
// eslint-disable-next-line no-process-env
const searchEnv = applyEnv({}, process.env).search as Record<string, unknown> | undefined;
const opensearch = searchSection.parse({ ...searchEnv }).opensearch;

if (!opensearch.url) console.warn('OpenSearch suite skipped: OPENSEARCH_URL is not set');

/** Options for a throwaway index of its own: a unique prefix, and quick alias checks for rebuilds. */
function testOptions(): OpenSearchIndexOptions {
  const tls = opensearch.tls;
  return {
    node: opensearch.url ?? '',
    username: opensearch.username,
    password: opensearch.password,
    tls: tls && {
      ca: tls.caFile ? fs.readFileSync(tls.caFile, 'utf8') : undefined,
      rejectUnauthorized: tls.rejectUnauthorized,
    },
    indexPrefix: uniqueName('gochat_t').toLowerCase(),
    shards: 1,
    replicas: 0,
    log: silentLogger,
    aliasCheckIntervalMs: 200,
  };
}

/** Drops everything a test index created: its concrete indices (aliases go with them) and its template. */
async function dropAll(options: OpenSearchIndexOptions): Promise<void> {
  const client = new Client({
    node: options.node,
    ...(options.username ? { auth: { username: options.username, password: options.password ?? '' } } : {}),
    ...(options.tls
      ? { ssl: { ca: options.tls.ca, rejectUnauthorized: options.tls.rejectUnauthorized } }
      : {}),
  });
  try {
    // By name: clusters may refuse wildcard deletes (action.destructive_requires_name).
    const { body } = await client.indices.get({ index: `${options.indexPrefix}-*` });
    const names = Object.keys(body);
    if (names.length > 0) await client.indices.delete({ index: names });
    await client.indices.deleteIndexTemplate({ name: options.indexPrefix ?? '' }, { ignore: [404] });
  } finally {
    await client.close();
  }
}

describe.skipIf(!opensearch.url)('on OpenSearch', () => {
  runSearchContract('opensearch', async () => {
    const options = testOptions();
    const index = await createOpenSearchIndex(options);
    return {
      index,
      close: async () => {
        await index.close();
        await dropAll(options);
      },
    };
  });

  it('rebuilds everything into a new index without downtime, keeping live writes and deletions', async () => {
    const options = testOptions();
    const index = await createOpenSearchIndex(options);
    try {
      const factory = documentFactory();
      const doc = (content: string) => factory.doc({ content });
      const ids = async () =>
        (await index.search(request({ terms: ['rebuilt'] }))).hits.map((h) => h.id).toSorted();
      const kept = doc('rebuilt kept');
      const gone = doc('rebuilt gone from the store');
      const deleted = doc('rebuilt deleted before');
      const deletedDuring = doc('rebuilt deleted during');
      await index.upsert([kept, gone, deleted, deletedDuring]);
      await index.remove([{ id: deleted.id, guildId: deleted.guildId }]);
      await index.refresh();

      const startedAt = new Date();
      await index.beginRebuild({ kind: 'all' }, startedAt);
      await index.beginRebuild({ kind: 'all' }, startedAt); // resuming is harmless
      await index.rebuildWrite({ kind: 'all' }, startedAt, [kept, deletedDuring]);
      const live = doc('rebuilt live');
      await index.upsert([live]);
      await index.remove([{ id: deletedDuring.id, guildId: deletedDuring.guildId }]);
      await index.refresh();
      // Searches still read the old index.
      expect(await ids()).toEqual([kept.id, gone.id, live.id].toSorted());

      await index.finishRebuild({ kind: 'all' }, startedAt);
      await index.finishRebuild({ kind: 'all' }, startedAt); // idempotent
      await index.refresh();
      expect(await ids()).toEqual([kept.id, live.id].toSorted());

      // The old index's tombstones came along: a late write of a deleted message stays out.
      await index.upsert([{ ...deleted, version: deleted.version + 1 }]);
      await index.refresh();
      expect(await ids()).toEqual([kept.id, live.id].toSorted());
    } finally {
      await index.close();
      await dropAll(options);
    }
  });
});
