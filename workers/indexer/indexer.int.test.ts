import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createMemoryBus, type BusEvent, type EventBus } from '@gochat/bus';
import { openDatabase, type Database } from '@gochat/db';
import { channels, guilds, user } from '@gochat/drizzle';
import { newEvent, subjects, type EventPayloads, type EventType } from '@gochat/events';
import { createSnowflakeGenerator } from '@gochat/ids';
import { Lifecycle } from '@gochat/lifecycle';
import { createMetricsRegistry, silentLogger } from '@gochat/log';
import { createPostgresTimeline, NO_MENTIONS, type MessageTimeline } from '@gochat/message-store';
import { createPostgresSearchIndex, type SearchIndex } from '@gochat/search';
import { request } from '@gochat/search/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { indexerConfigSchema } from './config.ts';
import { reindex } from './reindex.ts';
import { createIndexerWorkerRole } from './role.ts';
import { readRun } from './store.ts';

const GUILD = '100';
const CHANNEL = '200';
const WAIT = { timeout: 15_000, interval: 25 };

/**
 * The indexer on the memory bus and PGlite: events say which messages changed, the worker reads them
 * from the message store and writes the index; `reindex` rebuilds from the store and resumes.
 */
describe('indexer worker (memory bus, PGlite)', () => {
  let dataDir: string;
  let close: () => Promise<void>;
  let db: Database;
  let timeline: MessageTimeline;
  let index: SearchIndex;
  let bus: EventBus;
  let lifecycle: Lifecycle;
  const ids = createSnowflakeGenerator(9);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-indexer-'));
    const handle = await openDatabase({ dataDir, poolSize: 2, log: silentLogger });
    await handle.migrate();
    close = () => handle.close();
    db = handle.db;
    timeline = createPostgresTimeline(db);
    index = createPostgresSearchIndex(db);
    // What the messages' foreign keys point at.
    await db
      .insert(user)
      .values({ id: 'alice', name: 'Alice', email: 'alice@indexer.test', emailVerified: true });
    await db.insert(guilds).values({ id: GUILD, name: 'Indexed', ownerId: 'alice' });
    await db.insert(channels).values({ id: CHANNEL, guildId: GUILD, kind: 'text', name: 'general' });
    bus = createMemoryBus({ log: silentLogger });
    lifecycle = new Lifecycle(silentLogger, 10_000);
    createIndexerWorkerRole({
      config: indexerConfigSchema.parse({}),
      bus,
      db,
      timeline,
      index,
      log: silentLogger,
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      lifecycle,
    });
  });

  afterAll(async () => {
    expect(await lifecycle.shutdown('test over')).toBe(true);
    await bus.drain();
    await close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const publish = async <T extends EventType>(type: T, data: EventPayloads[T]) => {
    const event = newEvent(type, subjects.channelMessages(GUILD, CHANNEL), data);
    const busEvent: BusEvent = { id: randomUUID(), occurredAt: new Date().toISOString(), ...event };
    await bus.publish(busEvent);
  };
  const ref = (messageId: string) => ({
    messageId,
    channelId: CHANNEL,
    parentChannelId: CHANNEL,
    guildId: GUILD,
  });

  /** A message stored (committed) and announced, as the messages subgraph does. */
  async function send(content: string, attachments: { contentType: string }[] = []) {
    const id = ids.next();
    const message = {
      id,
      channelId: CHANNEL,
      parentChannelId: CHANNEL,
      guildId: GUILD,
      authorId: 'alice',
      kind: 'default' as const,
      content,
      replyToId: null,
      mentions: NO_MENTIONS,
      attachments: attachments.map((a, i) => ({
        id: `${i}`,
        filename: 'f',
        size: 1,
        width: null,
        height: null,
        ...a,
      })),
    };
    await db.transaction((tx) => timeline.stage(tx, randomUUID(), { op: 'insert', message }));
    await publish('MessageCreated', {
      ...ref(id),
      authorId: 'alice',
      kind: 'default',
      content,
      replyToId: null,
      mentions: NO_MENTIONS,
      attachmentIds: [],
    });
    return id;
  }

  const found = async (terms: string[], extra = {}) =>
    (await index.search(request({ guildId: GUILD, parentChannelIds: [CHANNEL], terms, ...extra }))).hits.map(
      (h) => h.id,
    );

  it('indexes what the store holds: content, files by type, pins, edits', async () => {
    const picture = await send('holiday picture', [{ contentType: 'image/png' }]);
    const link = await send('holiday https://example.com');
    await expect.poll(() => found(['holiday']), WAIT).toEqual([link, picture]);
    expect(await found(['holiday'], { has: ['image'] })).toEqual([picture]);
    expect(await found(['holiday'], { has: ['link'] })).toEqual([link]);

    await db.execute(
      sql`insert into pins (channel_id, message_id, parent_channel_id) values (${CHANNEL}, ${link}, ${CHANNEL})`,
    );
    await publish('ChannelPinsUpdated', { ...ref(link), actorId: 'alice', pinned: true });
    await expect.poll(() => found(['holiday'], { pinned: true }), WAIT).toEqual([link]);

    const editedAt = new Date().toISOString();
    await db.transaction((tx) =>
      timeline.stage(tx, randomUUID(), {
        op: 'edit',
        channelId: CHANNEL,
        id: picture,
        content: 'beach photo',
        mentions: NO_MENTIONS,
        editedAt,
      }),
    );
    await publish('MessageUpdated', {
      ...ref(picture),
      authorId: 'alice',
      content: 'beach photo',
      mentions: NO_MENTIONS,
      editedAt,
    });
    await expect.poll(() => found(['beach']), WAIT).toEqual([picture]);
    expect(await found(['holiday'])).toEqual([link]);
  });

  it('removes deleted messages, and a late redelivery of their creation does not bring them back', async () => {
    const id = await send('ephemeral words');
    await expect.poll(() => found(['ephemeral']), WAIT).toEqual([id]);
    await db.transaction((tx) =>
      timeline.stage(tx, randomUUID(), {
        op: 'delete',
        channelId: CHANNEL,
        ids: [id],
        deletedAt: new Date().toISOString(),
      }),
    );
    await publish('MessageDeleted', { ...ref(id), actorId: 'alice' });
    await expect.poll(() => found(['ephemeral']), WAIT).toEqual([]);
    // The creation event again (a redelivery): the store no longer has it, so it stays out.
    await publish('MessageCreated', {
      ...ref(id),
      authorId: 'alice',
      kind: 'default',
      content: 'ephemeral words',
      replyToId: null,
      mentions: NO_MENTIONS,
      attachmentIds: [],
    });
    const marker = await send('ephemeral marker');
    await expect.poll(() => found(['ephemeral']), WAIT).toEqual([marker]);
  });

  it('rebuilds from the store with reindex, resuming a run that died part-way', async () => {
    const sent = [];
    for (let i = 0; i < 12; i++) sent.push(await send(`rebuilt number${i}`));
    await expect.poll(async () => (await found(['rebuilt'], { limit: 100 })).length, WAIT).toBe(12);
    await db.execute(sql`delete from message_search where content like 'rebuilt%'`);
    expect(await found(['rebuilt'])).toEqual([]);

    // A run that dies after its third page: the index fails from then on.
    let pages = 0;
    const failing: SearchIndex = {
      ...index,
      rebuildWrite: async (...args) => {
        if (++pages > 3) throw new Error('killed');
        return index.rebuildWrite(...args);
      },
    };
    const scope = { kind: 'channel', channelId: CHANNEL } as const;
    await expect(
      reindex({ db, timeline, index: failing, log: silentLogger }, scope, { pageSize: 2 }),
    ).rejects.toThrow('killed');
    const stopped = await readRun(db, `channel:${CHANNEL}`);
    expect(stopped?.finished).toBe(false);
    expect(stopped?.position.written).toBe(6);

    const resumed = await reindex({ db, timeline, index, log: silentLogger }, scope, { pageSize: 2 });
    expect(resumed.resumed).toBe(true);
    expect(await found(['rebuilt'], { limit: 100 })).toEqual(sent.toReversed());
    expect((await readRun(db, `channel:${CHANNEL}`))?.finished).toBe(true);
    // A finished run starts over the next time.
    expect((await reindex({ db, timeline, index, log: silentLogger }, scope)).resumed).toBe(false);
  });
});
