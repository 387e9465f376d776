import type { Database } from '@gochat/db';
import {
  channelState,
  channels,
  guilds,
  mentions,
  messageEdits,
  outboxEvents,
  pins,
  reactions,
  user,
} from '@gochat/drizzle';
import { newEvent, subjects } from '@gochat/events';
import { createSnowflakeGenerator } from '@gochat/ids';
import { describeOnBothDatabases } from '@gochat/testkit';
import { eq, inArray } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { commitChange, commitMessageWrites } from './commit.ts';
import { NO_MENTIONS, type MessageTimeline } from './port.ts';
import { createPostgresTimeline } from './postgres.ts';
import { openTestDatabase } from './test-database.ts';

interface World {
  db: Database;
  timeline: MessageTimeline;
  ids: ReturnType<typeof createSnowflakeGenerator>;
  userId: string;
  guildId: string;
  close(): Promise<void>;
}

async function openWorld(adminUrl: string | null): Promise<World> {
  const { handle, drop } = await openTestDatabase(adminUrl);
  const ids = createSnowflakeGenerator(7);
  const userId = ids.next();
  await handle.db
    .insert(user)
    .values({ id: userId, name: 'U', email: `u-${userId}@store.test`, emailVerified: true });
  const guildId = ids.next();
  await handle.db.insert(guilds).values({ id: guildId, name: 'G', ownerId: userId });
  return { db: handle.db, timeline: createPostgresTimeline(handle.db), ids, userId, guildId, close: drop };
}

await describeOnBothDatabases('message-store commit and removal', openWorld, (w) => {
  /** A channel with `count` messages, each with a reaction, a pin, a mention and an edit. */
  async function channelWithMessages(count: number): Promise<{ channelId: string; ids: string[] }> {
    const channelId = w.ids.next();
    await w.db.insert(channels).values({ id: channelId, guildId: w.guildId, kind: 'text', name: 'c' });
    const ids = Array.from({ length: count }, () => w.ids.next());
    const where = { channelId, parentChannelId: channelId };
    for (const id of ids) {
      const message = {
        id,
        ...where,
        guildId: w.guildId,
        authorId: w.userId,
        kind: 'default' as const,
        content: 'x',
        replyToId: null,
        mentions: NO_MENTIONS,
        attachments: [],
      };
      const { id: messageId, attachments: _, ...fields } = message;
      const created = newEvent('MessageCreated', subjects.channelMessages(w.guildId, channelId), {
        messageId,
        ...fields,
        attachmentIds: [],
      });
      await commitChange({ db: w.db, timeline: w.timeline }, () =>
        Promise.resolve({
          result: undefined,
          events: [created],
          timeline: { op: 'insert' as const, message },
        }),
      );
    }
    const now = new Date();
    const rows = ids.map((messageId) => ({ ...where, messageId }));
    await w.db
      .insert(channelState)
      .values({ ...where, guildId: w.guildId, lastMessageId: ids.at(-1), pinCount: count });
    await w.db.insert(reactions).values(rows.map((r) => ({ ...r, emojiKey: 'u:👍', userId: w.userId })));
    await w.db.insert(pins).values(rows.map((r) => ({ ...r, pinnedBy: w.userId })));
    await w.db
      .insert(mentions)
      .values(rows.map((r) => ({ ...r, targetType: 'user' as const, targetId: 'x' })));
    await w.db
      .insert(messageEdits)
      .values(rows.map((r) => ({ ...r, id: w.ids.next(), content: 'old', writtenAt: now, replacedAt: now })));
    return { channelId, ids };
  }

  /** How many rows of each dependent table, and whether the message itself, remain for these ids. */
  async function left(channelId: string, ids: string[]) {
    const count = async (rows: Promise<unknown[]>) => (await rows).length;
    const [state] = await w.db.select().from(channelState).where(eq(channelState.channelId, channelId));
    return {
      messages: (await w.timeline.get(channelId, ids)).length,
      reactions: await count(w.db.select().from(reactions).where(inArray(reactions.messageId, ids))),
      pins: await count(w.db.select().from(pins).where(inArray(pins.messageId, ids))),
      mentions: await count(w.db.select().from(mentions).where(inArray(mentions.messageId, ids))),
      edits: await count(w.db.select().from(messageEdits).where(inArray(messageEdits.messageId, ids))),
      pinCount: state?.pinCount,
      lastMessageId: state?.lastMessageId,
    };
  }

  const bulkDeleted = (channelId: string, messageIds: string[]) =>
    newEvent('MessagesBulkDeleted', subjects.channelMessages(w.guildId, channelId), {
      channelId,
      parentChannelId: channelId,
      guildId: w.guildId,
      messageIds,
    });

  it('a removal takes the messages and every dependent, recounts pins, settles the last message, then kicks', async () => {
    const { channelId, ids } = await channelWithMessages(3);
    const [first, second, newest] = ids as [string, string, string];
    const order: string[] = [];
    await commitChange(
      {
        db: w.db,
        timeline: {
          ...w.timeline,
          afterCommit: async (...args) => {
            order.push('afterCommit');
            await w.timeline.afterCommit(...args);
          },
        },
        kick: () => order.push('kick'),
      },
      () =>
        Promise.resolve({
          result: undefined,
          events: [bulkDeleted(channelId, [second, newest])],
          removes: { channelId, ids: [second, newest] },
        }),
    );
    expect(order).toEqual(['afterCommit', 'kick']);
    expect(await left(channelId, [second, newest])).toMatchObject({
      messages: 0,
      reactions: 0,
      pins: 0,
      mentions: 0,
      edits: 0,
      pinCount: 1,
      lastMessageId: first,
    });
    // The message left untouched keeps everything.
    expect(await left(channelId, [first])).toMatchObject({ messages: 1, reactions: 1, pins: 1, mentions: 1 });
    const [announced] = await w.db
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.type, 'MessagesBulkDeleted'))
      .orderBy(outboxEvents.seq);
    expect(announced?.data).toMatchObject({ messageIds: [second, newest] });
  });

  it('removes across containers, each delete under its own event; returns only deletions with ids', async () => {
    const a = await channelWithMessages(2);
    const b = await channelWithMessages(1);
    const c = await channelWithMessages(1);
    const staged: string[] = [];
    const timeline: MessageTimeline = {
      ...w.timeline,
      stage: async (tx, eventId, mutation) => {
        staged.push(`${eventId}:${mutation.op}`);
        await w.timeline.stage(tx, eventId, mutation);
      },
    };
    const gone = await commitMessageWrites({ db: w.db, timeline }, (_tx, writes) =>
      writes.remove([
        { channelId: a.channelId, ids: a.ids, eventId: 'event-a' },
        { channelId: c.channelId, ids: [], eventId: 'event-c' },
        { channelId: b.channelId, ids: b.ids, eventId: 'event-b' },
      ]),
    );
    expect(gone.map((d) => d.eventId)).toEqual(['event-a', 'event-b']);
    expect(staged).toEqual(['event-a:delete', 'event-b:delete']);
    expect(await left(a.channelId, a.ids)).toMatchObject({
      messages: 0,
      pins: 0,
      pinCount: 0,
      lastMessageId: null,
    });
    expect(await left(b.channelId, b.ids)).toMatchObject({ messages: 0, reactions: 0, pinCount: 0 });
    expect(await left(c.channelId, c.ids)).toMatchObject({ messages: 1, pins: 1, pinCount: 1 });
  });

  it('a failed transaction removes nothing and runs nothing after commit', async () => {
    const { channelId, ids } = await channelWithMessages(1);
    const after: string[] = [];
    const timeline: MessageTimeline = {
      ...w.timeline,
      afterCommit: () => {
        after.push('afterCommit');
        return Promise.resolve();
      },
    };
    await expect(
      commitMessageWrites({ db: w.db, timeline, kick: () => after.push('kick') }, async (_tx, writes) => {
        await writes.remove([{ channelId, ids, eventId: 'event' }]);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(after).toEqual([]);
    expect(await left(channelId, ids)).toMatchObject({ messages: 1, reactions: 1, pins: 1, pinCount: 1 });
  });
});
