// Test support: PGlite with one guild channel and a message store, for the embedder's tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { openDatabase, type Database } from '@gochat/db';
import { channels, guilds, outboxEvents, user } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import {
  createPostgresTimeline,
  NO_MENTIONS,
  type MessageTimeline,
  type TimelineMessage,
} from '@gochat/message-store';
import { eq } from 'drizzle-orm';

export const GUILD = '100';
export const CHANNEL = '200';

export interface EmbedderTestWorld {
  db: Database;
  timeline: MessageTimeline;
  /** A message stored as the messages subgraph stores it. */
  post(content: string): Promise<TimelineMessage>;
  /** The MessageEmbedsUpdated rows in the outbox for a message. */
  announced(messageId: string): Promise<(typeof outboxEvents.$inferSelect)[]>;
  close(): Promise<void>;
}

export async function openEmbedderTestWorld(workerId: number): Promise<EmbedderTestWorld> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-embedder-'));
  const handle = await openDatabase({ dataDir, poolSize: 2, log: silentLogger });
  await handle.migrate();
  const { db } = handle;
  const timeline = createPostgresTimeline(db);
  await db
    .insert(user)
    .values({ id: 'alice', name: 'Alice', email: 'alice@embedder.test', emailVerified: true });
  await db.insert(guilds).values({ id: GUILD, name: 'Embeds', ownerId: 'alice' });
  await db.insert(channels).values({ id: CHANNEL, guildId: GUILD, kind: 'text', name: 'general' });
  const ids = createSnowflakeGenerator(workerId);
  return {
    db,
    timeline,
    async post(content) {
      const message: TimelineMessage = {
        id: ids.next(),
        channelId: CHANNEL,
        parentChannelId: CHANNEL,
        guildId: GUILD,
        authorId: 'alice',
        kind: 'default',
        content,
        replyToId: null,
        mentions: NO_MENTIONS,
        attachments: [],
        editedAt: null,
        embeds: [],
        linkEmbeds: null,
        embedsSuppressed: false,
      };
      const { editedAt: _e, linkEmbeds: _l, embedsSuppressed: _s, ...inserted } = message;
      await db.transaction((tx) => timeline.stage(tx, 'seed', { op: 'insert', message: inserted }));
      return message;
    },
    async announced(messageId) {
      const rows = await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'MessageEmbedsUpdated'));
      return rows.filter((row) => (row.data as { messageId: string }).messageId === messageId);
    },
    async close() {
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
