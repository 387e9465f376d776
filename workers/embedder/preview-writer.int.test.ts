import type { Database } from '@gochat/db';
import { newEvent, subjects } from '@gochat/events';
import type { MessageTimeline } from '@gochat/message-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPreviewWriter, type PreviewWrite } from './preview-writer.ts';
import { CHANNEL, GUILD, openEmbedderTestWorld, type EmbedderTestWorld } from './test-world.ts';

describe('preview writer (PGlite)', () => {
  let world: EmbedderTestWorld;
  let db: Database;
  let timeline: MessageTimeline;

  beforeAll(async () => {
    world = await openEmbedderTestWorld(12);
    ({ db, timeline } = world);
  });
  afterAll(async () => {
    await world?.close();
  });

  const post = async () => (await world.post('https://example.com')).id;
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
  const announced = (id: string) => world.announced(id);

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
      stageMany: async (tx, staged) => {
        const poisoned = staged.some(
          ({ mutation }) =>
            mutation.op === 'setLinkEmbeds' && mutation.linkEmbeds.embeds[0]?.title === 'poison',
        );
        if (poisoned) throw new Error('the store refused');
        await timeline.stageMany(tx, staged);
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
