import type { Database, Transaction } from '@gochat/db';
import type { Embed } from '@gochat/embeds';
import { channels, timelinePending } from '@gochat/drizzle';
import { snowflakeTime } from '@gochat/ids';
import type { Logger } from '@gochat/log';
import type { Client, types } from 'cassandra-driver';
import { eq, inArray } from 'drizzle-orm';

import { bucketOf, groupByBucket, readHistory, type BucketPage } from './buckets.ts';
import { versionTime } from '../embeds.ts';
import type {
  AttachmentRef,
  HistoryQuery,
  LinkEmbeds,
  MessageKind,
  MessageTimeline,
  TimelineMessage,
  TimelineMutation,
} from '../port.ts';

const COLUMNS =
  'id, channel_id, parent_channel_id, guild_id, author_id, kind, content, reply_to_id, ' +
  'mention_users, mention_roles, mention_everyone, mention_here, attachments, edited_at, ' +
  'embeds, link_embeds, embeds_suppressed';

/** Every statement is prepared; all of them may be retried (writes carry their own timestamp). */
const OPTIONS = { prepare: true, isIdempotent: true } as const;

/** Keeps the bucket-listing write off the hot path once a process has written a bucket. */
const KNOWN_BUCKETS_MAX = 100_000;

/** A cell: text as string, bigint as Long, set as array, timestamp as Date; null or undefined when unset. */
type Cell = string | types.Long | boolean | Date | Array<string | types.Long> | null | undefined;
const cell = (row: types.Row, column: string): Cell => row.get(column) as Cell;
const str = (value: Cell): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : value.toString();
const list = (value: Cell): string[] => (Array.isArray(value) ? value.map((v) => v.toString()) : []);
/** A JSON text cell (attachments, embeds), or the fallback when unset. */
const json = <T>(value: Cell, fallback: T): T => {
  const text = str(value);
  return text ? (JSON.parse(text) as T) : fallback;
};

/**
 * A row, or undefined for a partial one: an edit that reached ScyllaDB before its insert leaves
 * only the edited columns, and stays invisible until the insert (replayed by the relay) completes it.
 */
function toMessage(row: types.Row): TimelineMessage | undefined {
  const authorId = str(cell(row, 'author_id'));
  if (authorId === null) return undefined;
  const editedAt = cell(row, 'edited_at');
  return {
    id: str(cell(row, 'id'))!,
    channelId: str(cell(row, 'channel_id'))!,
    parentChannelId: str(cell(row, 'parent_channel_id'))!,
    guildId: str(cell(row, 'guild_id')),
    authorId,
    kind: (str(cell(row, 'kind')) ?? 'default') as MessageKind,
    content: str(cell(row, 'content')) ?? '',
    replyToId: str(cell(row, 'reply_to_id')),
    mentions: {
      users: list(cell(row, 'mention_users')),
      roles: list(cell(row, 'mention_roles')),
      everyone: cell(row, 'mention_everyone') === true,
      here: cell(row, 'mention_here') === true,
    },
    attachments: json<AttachmentRef[]>(cell(row, 'attachments'), []),
    editedAt: editedAt instanceof Date ? editedAt : null,
    embeds: json<Embed[]>(cell(row, 'embeds'), []),
    linkEmbeds: json<LinkEmbeds | null>(cell(row, 'link_embeds'), null),
    embedsSuppressed: cell(row, 'embeds_suppressed') === true,
  };
}

const present = <T>(values: Array<T | undefined>): T[] => values.filter((v): v is T => v !== undefined);

/** Whether messages_by_author indexes a message of this kind: system messages are not exported. */
const isExported = (kind: string | null): boolean => (kind ?? 'default') === 'default';

/** Write timestamps in microseconds: insert < edit < delete of the same message, even in one millisecond. */
const micros = (ms: number, step: 0 | 1 | 2): number => {
  if (!Number.isFinite(ms)) throw new Error('timeline mutation with an invalid time');
  return ms * 1000 + step;
};
const idMs = (id: string): number => snowflakeTime(id).getTime();
/** The write timestamp of a message's insert, and of its messages_by_author row (backfill.ts too). */
export const insertTimestamp = (id: string): number => micros(idMs(id), 0);

/** The CQL of the timeline, tables named with the keyspace (migrations/0001_messages.cql, 0003). */
export function timelineCql(keyspace: string) {
  const messages = `${keyspace}.messages`;
  const channelBuckets = `${keyspace}.channel_buckets`;
  const byAuthor = `${keyspace}.messages_by_author`;
  const authorBuckets = `${keyspace}.author_buckets`;
  return {
    get: `SELECT ${COLUMNS} FROM ${messages} WHERE channel_id = ? AND bucket = ? AND id IN ?`,
    newest: `SELECT ${COLUMNS} FROM ${messages} WHERE channel_id = ? AND bucket = ? ORDER BY id DESC LIMIT ?`,
    older: `SELECT ${COLUMNS} FROM ${messages} WHERE channel_id = ? AND bucket = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    newer: `SELECT ${COLUMNS} FROM ${messages} WHERE channel_id = ? AND bucket = ? AND id > ? ORDER BY id ASC LIMIT ?`,
    buckets: `SELECT bucket FROM ${channelBuckets} WHERE channel_id = ?`,
    bucketsUpTo: `SELECT bucket FROM ${channelBuckets} WHERE channel_id = ? AND bucket <= ?`,
    bucketsFrom: `SELECT bucket FROM ${channelBuckets} WHERE channel_id = ? AND bucket >= ?`,
    addBucket: `INSERT INTO ${channelBuckets} (channel_id, bucket) VALUES (?, ?)`,
    insert:
      `INSERT INTO ${messages} (channel_id, bucket, id, parent_channel_id, guild_id, author_id, kind, content, ` +
      `reply_to_id, mention_users, mention_roles, mention_everyone, mention_here, attachments, embeds) ` +
      `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    edit:
      `UPDATE ${messages} USING TIMESTAMP ? SET content = ?, mention_users = ?, mention_roles = ?, ` +
      `mention_everyone = ?, mention_here = ?, edited_at = ? WHERE channel_id = ? AND bucket = ? AND id = ?`,
    setLinkEmbeds: `UPDATE ${messages} USING TIMESTAMP ? SET link_embeds = ? WHERE channel_id = ? AND bucket = ? AND id = ?`,
    suppressEmbeds: `UPDATE ${messages} USING TIMESTAMP ? SET embeds_suppressed = ? WHERE channel_id = ? AND bucket = ? AND id = ?`,
    delete: `DELETE FROM ${messages} USING TIMESTAMP ? WHERE channel_id = ? AND bucket = ? AND id = ?`,
    authorsFrom: `SELECT id, author_id FROM ${messages} WHERE channel_id = ? AND bucket = ? AND id >= ?`,
    /** Who wrote these messages, read before a delete to find their messages_by_author rows. */
    authorsOf: `SELECT id, author_id, kind FROM ${messages} WHERE channel_id = ? AND bucket = ? AND id IN ?`,
    authorBuckets: `SELECT bucket FROM ${authorBuckets} WHERE author_id = ?`,
    authorBucketsUpTo: `SELECT bucket FROM ${authorBuckets} WHERE author_id = ? AND bucket <= ?`,
    addAuthorBucket: `INSERT INTO ${authorBuckets} (author_id, bucket) VALUES (?, ?)`,
    indexByAuthor: `INSERT INTO ${byAuthor} (author_id, bucket, id, channel_id) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`,
    unindexByAuthor: `DELETE FROM ${byAuthor} USING TIMESTAMP ? WHERE author_id = ? AND bucket = ? AND id = ?`,
    byAuthorNewest: `SELECT id, channel_id FROM ${byAuthor} WHERE author_id = ? AND bucket = ? ORDER BY id DESC LIMIT ?`,
    byAuthorOlder: `SELECT id, channel_id FROM ${byAuthor} WHERE author_id = ? AND bucket = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  };
}

/**
 * The ScyllaDB timeline (schema: ./migrations, decision 0016). Writes are staged in PostgreSQL
 * (timeline_pending) inside the caller's transaction and applied after commit, and by the outbox relay
 * before it publishes the announcing event. Applying twice is harmless: each write carries USING
 * TIMESTAMP from the message (insert: the id's time; edit: editedAt; delete: deletedAt), so a late
 * replay of an insert or edit never undoes a later edit or delete. Link previews are written at their
 * content version's time, so the newest version's previews win. messages_by_author (migration 0003)
 * indexes each ordinary message under its author for authoredBy: written with the insert, removed
 * before the message row on delete; edits need nothing there, as readers fetch the message row.
 */
export function createScyllaTimeline(options: {
  client: Client;
  db: Database;
  keyspace: string;
  log: Logger;
}): MessageTimeline {
  const { client, db, keyspace, log } = options;
  const cql = timelineCql(keyspace);

  const knownBuckets = new Set<string>();
  /** Lists a bucket of a channel (channel_buckets) or of an author (author_buckets), once per process. */
  const listBucket = async (of: 'channel' | 'author', ownerId: string, bucket: number) => {
    const key = `${of}:${ownerId}:${bucket}`;
    if (knownBuckets.has(key)) return;
    await client.execute(of === 'channel' ? cql.addBucket : cql.addAuthorBucket, [ownerId, bucket], OPTIONS);
    if (knownBuckets.size >= KNOWN_BUCKETS_MAX) knownBuckets.clear();
    knownBuckets.add(key);
  };

  /**
   * The authors of these messages that messages_by_author indexes (ordinary messages only), read
   * before a delete: the delete mutation names the container and ids, and the index is keyed by author.
   */
  const indexedAuthorsOf = async (channelId: string, ids: readonly string[]) => {
    const pages = await Promise.all(
      [...groupByBucket(ids)].map(([bucket, inBucket]) =>
        client.execute(cql.authorsOf, [channelId, bucket, inBucket], OPTIONS),
      ),
    );
    const authors = new Map<string, string>();
    for (const row of pages.flatMap((page) => page.rows)) {
      const authorId = str(cell(row, 'author_id'));
      if (authorId !== null && isExported(str(cell(row, 'kind'))))
        authors.set(str(cell(row, 'id'))!, authorId);
    }
    return authors;
  };

  const apply = async (mutation: TimelineMutation): Promise<void> => {
    switch (mutation.op) {
      case 'insert': {
        const m = mutation.message;
        const bucket = bucketOf(m.id);
        const at = insertTimestamp(m.id);
        const byAuthor = isExported(m.kind);
        // The buckets are listed before the rows exist, so history never misses a written message.
        await Promise.all([
          listBucket('channel', m.channelId, bucket),
          byAuthor ? listBucket('author', m.authorId, bucket) : undefined,
        ]);
        // The author index row is written with the message row, at the same timestamp, on the same
        // path: a failure of either leaves the mutation staged, and the relay's replay writes both
        // again (idempotent), so no logged batch (a batchlog write on every send) is needed.
        // A reader that sees the index row before the message row skips it (resolveAuthored).
        // undefined is "unset": absent values write nothing (no null cells, no tombstones).
        const index = byAuthor
          ? client.execute(cql.indexByAuthor, [m.authorId, bucket, m.id, m.channelId, at], OPTIONS)
          : undefined;
        const row = client.execute(
          cql.insert,
          [
            m.channelId,
            bucket,
            m.id,
            m.parentChannelId,
            m.guildId ?? undefined,
            m.authorId,
            m.kind,
            m.content,
            m.replyToId ?? undefined,
            m.mentions.users.length ? m.mentions.users : undefined,
            m.mentions.roles.length ? m.mentions.roles : undefined,
            m.mentions.everyone,
            m.mentions.here,
            m.attachments.length ? JSON.stringify(m.attachments) : undefined,
            m.embeds?.length ? JSON.stringify(m.embeds) : undefined,
            at,
          ],
          OPTIONS,
        );
        await Promise.all([row, index]);
        return;
      }
      case 'edit': {
        // Mentions are replaced whole; an empty set is sent as null, clearing the cell (a single tombstone).
        const at = micros(Math.max(Date.parse(mutation.editedAt), idMs(mutation.id)), 1);
        await client.execute(
          cql.edit,
          [
            at,
            mutation.content,
            mutation.mentions.users,
            mutation.mentions.roles,
            mutation.mentions.everyone,
            mutation.mentions.here,
            new Date(mutation.editedAt),
            mutation.channelId,
            bucketOf(mutation.id),
            mutation.id,
          ],
          OPTIONS,
        );
        return;
      }
      case 'setLinkEmbeds': {
        // Written at the time of the content version they were made from: previews of a newer version
        // always win over a late write for an older one, whatever order they arrive in.
        const { linkEmbeds } = mutation;
        const at = micros(versionTime(linkEmbeds.version, idMs(mutation.id)), 1);
        await client.execute(
          cql.setLinkEmbeds,
          [at, JSON.stringify(linkEmbeds), mutation.channelId, bucketOf(mutation.id), mutation.id],
          OPTIONS,
        );
        return;
      }
      case 'suppressEmbeds': {
        const at = micros(Math.max(Date.parse(mutation.at), idMs(mutation.id)), 1);
        await client.execute(
          cql.suppressEmbeds,
          [at, mutation.suppressed, mutation.channelId, bucketOf(mutation.id), mutation.id],
          OPTIONS,
        );
        return;
      }
      case 'delete': {
        // One partition-and-row delete per id: no IN on the clustering key, each with its own timestamp.
        const ids = [...new Set(mutation.ids)];
        const authors = await indexedAuthorsOf(mutation.channelId, ids);
        await Promise.all(
          ids.map(async (id) => {
            const at = micros(Math.max(Date.parse(mutation.deletedAt), idMs(id)), 2);
            const authorId = authors.get(id);
            // The index row goes first: a replay after a failure between the two still finds the
            // author on the message row. An index row left by an insert replayed after its delete
            // points at no message and is skipped by readers (resolveAuthored).
            if (authorId !== undefined)
              await client.execute(cql.unindexByAuthor, [at, authorId, bucketOf(id), id], OPTIONS);
            await client.execute(cql.delete, [at, mutation.channelId, bucketOf(id), id], OPTIONS);
          }),
        );
      }
    }
  };

  const readBucket = async (channelId: string, page: BucketPage) => {
    const result =
      page.direction === 'newer'
        ? await client.execute(cql.newer, [channelId, page.bucket, page.from ?? '-1', page.limit], OPTIONS)
        : page.from === undefined
          ? await client.execute(cql.newest, [channelId, page.bucket, page.limit], OPTIONS)
          : await client.execute(cql.older, [channelId, page.bucket, page.from, page.limit], OPTIONS);
    // Partial rows count as read (they hold a place in the bucket) and are dropped afterwards.
    return result.rows.map((row) => ({ id: str(cell(row, 'id'))!, message: toMessage(row) }));
  };

  const listBuckets = async (query: HistoryQuery): Promise<number[]> => {
    const { channelId } = query;
    const result = query.before
      ? await client.execute(cql.bucketsUpTo, [channelId, bucketOf(query.before)], OPTIONS)
      : query.after
        ? await client.execute(cql.bucketsFrom, [channelId, bucketOf(query.after)], OPTIONS)
        : await client.execute(cql.buckets, [channelId], OPTIONS);
    return result.rows.map((row) => Number(row.get('bucket') as number)).sort((a, b) => b - a);
  };

  /** The author's rows at or after sinceId in one container: its buckets from sinceId's, paged through. */
  const authoredIn = async (channelId: string, authorId: string, sinceId: string) => {
    const buckets = await client.execute(cql.bucketsFrom, [channelId, bucketOf(sinceId)], OPTIONS);
    const found: { channelId: string; id: string }[] = [];
    for (const row of buckets.rows) {
      const bucket = Number(row.get('bucket') as number);
      let pageState: string | undefined;
      do {
        const page = await client.execute(cql.authorsFrom, [channelId, bucket, sinceId], {
          ...OPTIONS,
          fetchSize: 1_000,
          pageState,
        });
        for (const message of page.rows)
          if (str(cell(message, 'author_id')) === authorId)
            found.push({ channelId, id: str(cell(message, 'id'))! });
        pageState = page.pageState ?? undefined;
      } while (pageState);
    }
    return found;
  };

  /** Messages by id in one container, one query per bucket; partial rows left out. */
  const getMessages = async (channelId: string, ids: readonly string[]) => {
    if (ids.length === 0) return [];
    const pages = await Promise.all(
      [...groupByBucket(ids)].map(([bucket, inBucket]) =>
        client.execute(cql.get, [channelId, bucket, inBucket], OPTIONS),
      ),
    );
    return present(pages.flatMap((page) => page.rows.map(toMessage)));
  };

  /**
   * The messages that index rows point at, in the index's order, leaving out: rows with no message
   * (deleted, or not yet written), anything not the author's ordinary message, and messages of a
   * channel deleted since (its ScyllaDB rows stay, decision 0016; in PostgreSQL they cascade away, so
   * both stores answer alike).
   */
  const resolveAuthored = async (
    authorId: string,
    entries: readonly { id: string; channelId: string }[],
  ): Promise<TimelineMessage[]> => {
    const byContainer = new Map<string, string[]>();
    for (const { id, channelId } of entries)
      byContainer.set(channelId, [...(byContainer.get(channelId) ?? []), id]);
    const found = (await Promise.all([...byContainer].map(([channelId, ids]) => getMessages(channelId, ids))))
      .flat()
      .filter((m) => m.authorId === authorId && m.kind === 'default');
    if (found.length === 0) return [];
    const parents = [...new Set(found.map((m) => m.parentChannelId))];
    const alive = new Set(
      (await db.select({ id: channels.id }).from(channels).where(inArray(channels.id, parents))).map(
        (c) => c.id,
      ),
    );
    const byKey = new Map(found.map((m) => [`${m.channelId}:${m.id}`, m]));
    return present(entries.map((e) => byKey.get(`${e.channelId}:${e.id}`))).filter((m) =>
      alive.has(m.parentChannelId),
    );
  };

  /**
   * One bucket of an author's messages, newest first, older than page.from: index rows read in pages
   * until `limit` messages resolve or the bucket ends (rows that resolve to nothing are skipped, so
   * a short read never ends the bucket early).
   */
  const readAuthorBucket = async (authorId: string, page: BucketPage) => {
    const found: TimelineMessage[] = [];
    let from = page.from;
    while (found.length < page.limit) {
      const want = page.limit - found.length;
      const result =
        from === undefined
          ? await client.execute(cql.byAuthorNewest, [authorId, page.bucket, want], OPTIONS)
          : await client.execute(cql.byAuthorOlder, [authorId, page.bucket, from, want], OPTIONS);
      const entries = result.rows.map((row) => ({
        id: str(cell(row, 'id'))!,
        channelId: str(cell(row, 'channel_id'))!,
      }));
      found.push(...(await resolveAuthored(authorId, entries)));
      if (entries.length < want) break;
      from = entries.at(-1)!.id;
    }
    return found;
  };

  return {
    kind: 'scylla',
    async authoredBy(authorId, { before, limit }) {
      const result = before
        ? await client.execute(cql.authorBucketsUpTo, [authorId, bucketOf(before)], OPTIONS)
        : await client.execute(cql.authorBuckets, [authorId], OPTIONS);
      const buckets = result.rows.map((row) => Number(row.get('bucket') as number)).sort((a, b) => b - a);
      return readHistory({ limit, ...(before ? { before } : {}) }, buckets, (page) =>
        readAuthorBucket(authorId, page),
      );
    },
    async authoredSince(containerIds, authorId, sinceId) {
      const perContainer = await Promise.all(
        containerIds.map((channelId) => authoredIn(channelId, authorId, sinceId)),
      );
      return perContainer.flat();
    },
    get: getMessages,
    async history(query) {
      const buckets = await listBuckets(query);
      const rows = await readHistory(query, buckets, (page) => readBucket(query.channelId, page));
      return present(rows.map((row) => row.message));
    },
    async stage(tx: Transaction, eventId, mutation) {
      await tx.insert(timelinePending).values({ eventId, mutation });
    },
    async stageMany(tx: Transaction, staged) {
      if (staged.length > 0) await tx.insert(timelinePending).values([...staged]);
    },
    async afterCommit(eventId, mutation) {
      try {
        await apply(mutation);
        await db.delete(timelinePending).where(eq(timelinePending.eventId, eventId));
      } catch (error) {
        // Committed and staged: the relay applies it before publishing the event that announces it.
        log.warn({ err: error, eventId }, 'scylla: timeline write failed after commit; the relay will retry');
      }
    },
    async applyPending(tx, eventIds) {
      if (eventIds.length === 0) return;
      const rows = await tx
        .select()
        .from(timelinePending)
        .where(inArray(timelinePending.eventId, [...eventIds]));
      if (rows.length === 0) return;
      // In the order of the events, which is the order their transactions committed in.
      const position = new Map(eventIds.map((id, i) => [id, i]));
      rows.sort((a, b) => (position.get(a.eventId) ?? 0) - (position.get(b.eventId) ?? 0));
      for (const row of rows) await apply(row.mutation as TimelineMutation);
      await tx.delete(timelinePending).where(
        inArray(
          timelinePending.eventId,
          rows.map((row) => row.eventId),
        ),
      );
    },
    ping: async () => {
      await client.execute('SELECT release_version FROM system.local', [], { prepare: true });
    },
    close: () => client.shutdown(),
  };
}
