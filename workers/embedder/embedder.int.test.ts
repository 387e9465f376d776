import { randomUUID } from 'node:crypto';

import { createMemoryStore } from '@gochat/cache';
import type { Database } from '@gochat/db';
import type { EventPayloads } from '@gochat/events';
import { silentLogger } from '@gochat/log';
import {
  contentVersion,
  NO_MENTIONS,
  visibleEmbeds,
  type MessageTimeline,
  type TimelineMessage,
} from '@gochat/message-store';
import { createSafeFetcher } from '@gochat/safe-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EventWorker } from '../harness/index.ts';
import { CHANNEL, GUILD, openEmbedderTestWorld, type EmbedderTestWorld } from './test-world.ts';
import { createUnfurler } from './unfurl/index.ts';
import { html, startTestServer, type TestServer } from './unfurl/test-server.ts';
import { createEmbedder } from './worker.ts';

const page = (title: string) =>
  html(
    `<html><head><meta property="og:title" content="${title}"><meta property="og:description" content="About ${title}"></head></html>`,
  );

/**
 * The embedder's handler on PGlite with a real unfurler fetching from a loopback server: it reads
 * the message's current content, writes previews once per content version, and announces them
 * through the outbox, after the commit.
 */
describe('embedder worker (PGlite, loopback pages)', () => {
  let world: EmbedderTestWorld;
  let db: Database;
  let timeline: MessageTimeline;
  let server: TestServer;
  let worker: EventWorker<'MessageCreated' | 'MessageUpdated'>;

  beforeAll(async () => {
    world = await openEmbedderTestWorld(11);
    ({ db, timeline } = world);
    server = await startTestServer({
      '/a': page('Page A'),
      '/b': page('Page B'),
      '/empty': html('<p>no head</p>'),
    });
    const unfurler = createUnfurler({
      fetcher: createSafeFetcher({ allowAddresses: ['127.0.0.1/32'], ports: [server.port] }),
      cache: createMemoryStore(),
      images: null,
      log: silentLogger,
    });
    worker = createEmbedder({ db, timeline, unfurler }) as EventWorker<'MessageCreated' | 'MessageUpdated'>;
  });

  afterAll(async () => {
    await server?.close();
    await world?.close();
  });

  const post = (content: string) => world.post(content);
  const announced = (id: string) => world.announced(id);
  const edit = async (message: TimelineMessage, content: string) => {
    const editedAt = new Date();
    await db.transaction((tx) =>
      timeline.stage(tx, 'edit', {
        op: 'edit',
        channelId: CHANNEL,
        id: message.id,
        content,
        mentions: NO_MENTIONS,
        editedAt: editedAt.toISOString(),
      }),
    );
    return editedAt;
  };
  const handle = (message: TimelineMessage, linkPreviews = true) => {
    const data: EventPayloads['MessageCreated'] = {
      messageId: message.id,
      channelId: CHANNEL,
      parentChannelId: CHANNEL,
      guildId: GUILD,
      authorId: 'alice',
      kind: 'default',
      content: message.content,
      replyToId: null,
      mentions: NO_MENTIONS,
      attachmentIds: [],
      embeds: [],
      linkPreviews,
    };
    const event = {
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      type: 'MessageCreated' as const,
      subject: `channel.${GUILD}.${CHANNEL}.messages`,
      data,
    };
    return worker.handle({ event, deliveries: 1 }, silentLogger);
  };
  const stored = async (id: string) => (await timeline.get(CHANNEL, [id]))[0]!;

  it('stores previews of the links in order for the current content, and announces them once', async () => {
    const message = await post(
      `see ${server.url('/b')} and ${server.url('/a')} and \`${server.url('/empty')}\``,
    );
    await handle(message);
    const after = await stored(message.id);
    expect(after.linkEmbeds?.version).toBe('original');
    expect(visibleEmbeds(after).map((e) => e.title)).toEqual(['Page B', 'Page A']);
    const events = await announced(message.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({
      editedAt: null,
      suppressed: false,
      embeds: [{ title: 'Page B' }, { title: 'Page A' }],
    });
    // A redelivery finds the work done: no fetch, no second write or event.
    const hits = server.hits();
    await handle(message);
    expect(server.hits()).toBe(hits);
    expect(await announced(message.id)).toHaveLength(1);
  });

  it('works on what the message says now: an event for older content unfurls the edited content', async () => {
    const message = await post(`first ${server.url('/a')}`);
    const editedAt = await edit(message, `now ${server.url('/b')}`);
    await handle(message); // the MessageCreated of the first content, delivered late
    const after = await stored(message.id);
    expect(contentVersion(after)).toBe(editedAt.toISOString());
    expect(after.linkEmbeds?.version).toBe(editedAt.toISOString());
    expect(visibleEmbeds(after).map((e) => e.title)).toEqual(['Page B']);
    expect((await announced(message.id))[0]!.data).toMatchObject({ editedAt: editedAt.toISOString() });
  });

  it('writes nothing without EMBED_LINKS, for a deleted message, or when no link has a preview', async () => {
    const noPermission = await post(`x ${server.url('/a')}`);
    await handle(noPermission, false);
    expect((await stored(noPermission.id)).linkEmbeds).toBeNull();

    const nothing = await post(`only ${server.url('/empty')} and ${server.url('/missing')}`);
    await handle(nothing);
    expect((await stored(nothing.id)).linkEmbeds).toBeNull();
    expect(await announced(nothing.id)).toEqual([]);

    const gone = await post(`gone ${server.url('/a')}`);
    await db.transaction((tx) =>
      timeline.stage(tx, 'delete', {
        op: 'delete',
        channelId: CHANNEL,
        ids: [gone.id],
        deletedAt: new Date().toISOString(),
      }),
    );
    await handle(gone);
    expect(await announced(gone.id)).toEqual([]);
  });
});
