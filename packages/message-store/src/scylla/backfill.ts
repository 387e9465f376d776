import type { Logger } from '@gochat/log';
import type { Client, types } from 'cassandra-driver';

import { bucketOf } from './buckets.ts';
import { insertTimestamp, timelineCql } from './timeline.ts';

const PAGE = 1_000;
const LISTED_MAX = 100_000;

/**
 * Indexes the messages written before migration 0003 under their authors (messages_by_author and
 * author_buckets), so the data export finds them too. A paged scan of the whole messages table, run
 * by applyCqlMigrations after 0003's statements and before 0003 is recorded, so an interrupted run is
 * simply run again. Idempotent and safe next to live traffic: each index row is written at its
 * message's insert timestamp, so a delete made meanwhile (its tombstone is later) still wins, and a
 * message deleted before the scan is not read at all. Partial rows (no author) and system messages
 * are skipped, as the timeline's insert skips them.
 */
export async function backfillMessagesByAuthor(
  client: Client,
  keyspace: string,
  log: Logger,
): Promise<number> {
  const cql = timelineCql(keyspace);
  // The one scan of the schema (timelineCql's statements each read one partition): once, at migration.
  const scan = `SELECT channel_id, id, author_id, kind FROM ${keyspace}.messages`;
  const options = { prepare: true, isIdempotent: true } as const;
  const listed = new Set<string>();
  let pageState: string | undefined;
  let indexed = 0;
  do {
    const page = await client.execute(scan, [], { ...options, fetchSize: PAGE, pageState });
    await Promise.all(
      page.rows.map(async (row: types.Row) => {
        const authorId = row.get('author_id') as string | null;
        const kind = (row.get('kind') as string | null) ?? 'default';
        if (authorId === null || authorId === undefined || kind !== 'default') return;
        const id = String(row.get('id'));
        const bucket = bucketOf(id);
        const key = `${authorId}:${bucket}`;
        if (!listed.has(key)) {
          // Listed before the index row exists, as the timeline's insert does.
          await client.execute(cql.addAuthorBucket, [authorId, bucket], options);
          // Bounded, as the timeline's cache is: relisting a bucket is a harmless overwrite.
          if (listed.size >= LISTED_MAX) listed.clear();
          listed.add(key);
        }
        await client.execute(
          cql.indexByAuthor,
          [authorId, bucket, id, String(row.get('channel_id')), insertTimestamp(id)],
          options,
        );
        indexed += 1;
      }),
    );
    pageState = page.pageState ?? undefined;
  } while (pageState);
  log.info({ keyspace, indexed }, 'scylla: messages_by_author backfilled');
  return indexed;
}
