import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openDatabase, type Database } from '@gochat/db';
import { channels, guilds, outboxEvents, user } from '@gochat/drizzle';
import { newEvent, subjects } from '@gochat/events';
import { createSnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import { createPostgresTimeline, NO_MENTIONS, type MessageTimeline } from '@gochat/message-store';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPreviewWriter, type PreviewWrite } from './preview-writer.ts';

const GUILD = '100';
const CHANNEL = '200';

describe('preview writer (PGlite)', () => {
  let dataDir: string;
  let close: () => Promise<void>;
  let db: Database;
  let timeline: MessageTimeline;
  const ids = createSnowflakeGenerator(12);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-preview-writer-'));
    const handle = await openDatabase({ dataDir, poolSize: 2, log: silentLogger });
    await handle.migrate();
    close = () => handle.close();
    db = handle.db;
    timeline = createPostgresTimeline(db);
    await db
      .insert(user)
      .values({ id: 'alice', name: 'Alice', email: 'alice@writer.test', emailVerified: true });
    await db.insert(guilds).values({ id: GUILD, name: 'Writer', ownerId: 'alice' });
    await db.insert(channels).values({ id: CHANNEL, guildId: GUILD, kind: 'text', name: 'general' });
  });
  afterAll(async () => {
    await close?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async () => {
    const id = ids.next();
    await db.transaction((tx) =>
      timeline.stage(tx, 'seed', {
        op: 'insert',
        message: {
          id,
          channelId: CHANNEL,
          parentChannelId: CHANNEL,
          guildId: GUILD,
          authorId: 'alice',
          kind: 'default',
          content: 'https://example.com',
          replyToId: null,
          mentions: NO_MENTIONS,
          attachments: [],
        },
      }),
    );
    return id;
  };
  const previewOf = (id: string, title: string): PreviewWrite => ({
    mutation: {
      op: 'setLinkEmbeds',
      channelId: CHANNEL,
      id,
      linkEmbeds: { version: 'original', embeds: [{ type: 'link', url: 'https://example.com/', title }] },
    },
    event: newEvent('MessageEmbedsUpdated', subjects.channelMessages(GUILD, CHANNEL), {
      messageId: id,
      channelId: CHANNEL,
      parentChannelId: CHANNEL,
      guildId: GUILD,
      editedAt: null,
      embeds: [{ type: 'link', url: 'https://example.com/', title }],
      suppressed: false,
    }),
  });
  const announced = async (id: string) =>
    (await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'MessageEmbedsUpdated'))).filter(
      (row) => (row.data as { messageId: string }).messageId === id,
    );

  it('commits the writes that arrive together in one transaction, each with its own event', async () => {
    const writer = createPreviewWriter({ db, timeline });
    const messages = await Promise.all(Array.from({ length: 5 }, post));
    await Promise.all(messages.map((id, i) => writer.write(previewOf(id, `preview ${i}`))));
    const stored = await timeline.get(CHANNEL, messages);
    expect(stored.map((m) => m.linkEmbeds?.embeds[0]?.title).sort()).toEqual(
      messages.map((_, i) => `preview ${i}`),
    );
    const rows = (await Promise.all(messages.map(announced))).flat();
    expect(rows).toHaveLength(5);
    // One outbox append: one occurred_at for the five.
    expect(new Set(rows.map((row) => row.occurredAt.toISOString())).size).toBe(1);
  });

  it('fails every write of a transaction that fails, and writes none of them', async () => {
    const failing: MessageTimeline = {
      ...timeline,
      stage: async (tx, eventId, mutation) => {
        if (mutation.op === 'setLinkEmbeds' && mutation.linkEmbeds.embeds[0]?.title === 'poison')
          throw new Error('the store refused');
        await timeline.stage(tx, eventId, mutation);
      },
    };
    const writer = createPreviewWriter({ db, timeline: failing });
    const [good, bad] = [await post(), await post()];
    const results = await Promise.allSettled([
      writer.write(previewOf(good, 'fine')),
      writer.write(previewOf(bad, 'poison')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await timeline.get(CHANNEL, [good]))[0]!.linkEmbeds).toBeNull();
    expect(await announced(good)).toEqual([]);
    // The next write (the event's redelivery) goes through on its own.
    await writer.write(previewOf(good, 'fine'));
    expect((await timeline.get(CHANNEL, [good]))[0]!.linkEmbeds?.embeds[0]?.title).toBe('fine');
  });
});
