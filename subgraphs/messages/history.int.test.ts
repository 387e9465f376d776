import { threads } from '@gochat/drizzle';
import { createPostgresTimeline, NO_MENTIONS } from '@gochat/message-store';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { beforeAll, expect, it } from 'vitest';

import { openMessagesHarness } from './test-harness.ts';

const HISTORY = `query($channelId: ID!, $limit: Int, $before: ID, $after: ID, $around: ID) {
  messages(channelId: $channelId, limit: $limit, before: $before, after: $after, around: $around) { id channelId }
}`;
const SEND = `mutation($channelId: ID!, $content: String) { sendMessage(channelId: $channelId, content: $content) { id } }`;

type Page = { messages: { id: string; channelId: string }[] };

/** Snowflakes as decimal strings compare by length, then lexically. */
const newestFirst = (a: string, b: string) => (a.length !== b.length ? b.length - a.length : a < b ? 1 : -1);

const SEEDED = 250;

await describeOnBothDatabases('message history', openMessagesHarness, (h) => {
  let owner: string, member: string, outsider: string, guildId: string;
  let channel: string, thread: string;
  /** Every message of `channel`, oldest first. */
  let all: string[];

  beforeAll(async () => {
    [owner, member, outsider] = await Promise.all([
      h.createUser('owner'),
      h.createUser('member'),
      h.createUser('outsider'),
    ]);
    guildId = await h.seed.guild(owner);
    await h.seed.member(guildId, member);
    channel = await h.seed.channel(guildId);
    thread = h.ids.next();
    await h.db.insert(threads).values({ id: thread, parentId: channel, guildId, ownerId: owner, name: 't' });
    const other = await h.seed.channel(guildId);
    // Many messages at once through the timeline port, interleaved with another channel's and a
    // thread's, so pages must skip what is not theirs.
    const timeline = createPostgresTimeline(h.db);
    all = [];
    await h.db.transaction(async (tx) => {
      for (let i = 0; i < SEEDED; i++) {
        const id = h.ids.next();
        all.push(id);
        const into = [channel, ...(i % 10 === 0 ? [other, thread] : [])];
        for (const [n, channelId] of into.entries())
          await timeline.stage(tx, 'seed', {
            op: 'insert',
            message: {
              id: n === 0 ? id : h.ids.next(),
              channelId,
              parentChannelId: channelId === thread ? channel : channelId,
              guildId,
              authorId: owner,
              kind: 'default',
              content: `message ${i}`,
              replyToId: null,
              mentions: NO_MENTIONS,
              attachments: [],
            },
          });
      }
    });
    // And a few through the API.
    for (let i = 0; i < 5; i++)
      all.push(
        (
          await h.ok<{ sendMessage: { id: string } }>(member, SEND, {
            channelId: channel,
            content: `sent ${i}`,
          })
        ).sendMessage.id,
      );
  });

  const page = async (vars: Record<string, unknown>, who = member) =>
    (await h.ok<Page>(who, HISTORY, { channelId: channel, ...vars })).messages.map((m) => m.id);
  const newest = () => [...all].sort(newestFirst);

  it('gives the newest messages first: 50 by default, 1 to 100 on request', async () => {
    expect(await page({})).toEqual(newest().slice(0, 50));
    expect(await page({ limit: 1 })).toEqual(newest().slice(0, 1));
    expect(await page({ limit: 100 })).toEqual(newest().slice(0, 100));
    for (const limit of [0, 101, -1])
      expect(codeOf(await h.as(member, HISTORY, { channelId: channel, limit }))).toBe('VALIDATION');
  });

  it('walks back with before, and forward with after, over every message once, without gaps', async () => {
    const back: string[] = [];
    for (let cursor: string | undefined; ;) {
      const ids = await page({ limit: 37, ...(cursor ? { before: cursor } : {}) });
      back.push(...ids);
      if (ids.length < 37) break;
      cursor = ids.at(-1);
    }
    expect(back).toEqual(newest());

    const forward: string[] = [];
    for (let cursor = all[0]!; ;) {
      // Each page is newest first: the oldest ones right after the cursor.
      const ids = await page({ limit: 41, after: cursor });
      expect(ids).toEqual([...ids].sort(newestFirst));
      forward.push(...[...ids].reverse());
      if (ids.length < 41) break;
      cursor = ids[0]!;
    }
    expect(forward).toEqual(all.slice(1));
  });

  it('around a message gives it and its nearest neighbours on both sides', async () => {
    const order = newest();
    const middle = 120;
    const target = order[middle]!;
    expect(await page({ around: target, limit: 5 })).toEqual(order.slice(middle - 2, middle + 3));
    expect(await page({ around: target, limit: 4 })).toEqual(order.slice(middle - 1, middle + 3));
    expect(await page({ around: target, limit: 1 })).toEqual([target]);
    // At the newest end there is nothing newer: only older ones fill in.
    expect(await page({ around: order[0], limit: 5 })).toEqual(order.slice(0, 3));
    // Cursors need not exist: an id between two neighbours (ids of other channels came between).
    const k = order.findIndex((id, i) => i >= middle && BigInt(id) - BigInt(order[i + 1]!) > 1n);
    const between = (BigInt(order[k + 1]!) + 1n).toString();
    expect(await page({ around: between, limit: 3 })).toEqual(order.slice(k, k + 3));
    expect(await page({ before: between, limit: 2 })).toEqual(order.slice(k + 1, k + 3));
  });

  it('keeps containers apart: a thread has its own history, under the same API', async () => {
    const threadPage = (await h.ok<Page>(member, HISTORY, { channelId: thread, limit: 100 })).messages;
    expect(threadPage).toHaveLength(SEEDED / 10);
    expect(threadPage.every((m) => m.channelId === thread)).toBe(true);
    expect((await page({ limit: 100 })).every((id) => all.includes(id))).toBe(true);
  });

  it('gives the messages with the asked ids that still exist, oldest first, to readers only', async () => {
    const BY_IDS = `query($channelId: ID!, $ids: [ID!]!) { messagesByIds(channelId: $channelId, ids: $ids) { id channelId } }`;
    const DELETE = `mutation($channelId: ID!, $id: ID!) { deleteMessage(channelId: $channelId, messageId: $id) }`;
    const byIds = async (ids: string[], who = member) =>
      (
        await h.ok<{ messagesByIds: { id: string; channelId: string }[] }>(who, BY_IDS, {
          channelId: channel,
          ids,
        })
      ).messagesByIds.map((m) => m.id);
    const gone = (
      await h.ok<{ sendMessage: { id: string } }>(member, SEND, { channelId: channel, content: 'soon gone' })
    ).sendMessage.id;
    await h.ok(member, DELETE, { channelId: channel, id: gone });
    const picked = [all[7]!, all[3]!, all[200]!];
    // Deleted, unknown and other containers' ids are left out; duplicates count once.
    expect(await byIds([...picked, gone, h.ids.next(), all[3]!])).toEqual([all[3], all[7], all[200]]);
    for (const ids of [[], Array.from({ length: 101 }, () => h.ids.next()), ['nope']])
      expect(codeOf(await h.as(member, BY_IDS, { channelId: channel, ids }))).toBe('VALIDATION');
    expect(codeOf(await h.as(outsider, BY_IDS, { channelId: channel, ids: picked }))).toBe('FORBIDDEN');
  });

  it('refuses more than one cursor, malformed cursors, and unknown channels', async () => {
    const [a, b] = all;
    expect(codeOf(await h.as(member, HISTORY, { channelId: channel, before: a, after: b }))).toBe(
      'VALIDATION',
    );
    expect(codeOf(await h.as(member, HISTORY, { channelId: channel, around: a, before: b }))).toBe(
      'VALIDATION',
    );
    expect(codeOf(await h.as(member, HISTORY, { channelId: channel, before: 'yesterday' }))).toBe(
      'VALIDATION',
    );
    expect(codeOf(await h.as(member, HISTORY, { channelId: h.ids.next() }))).toBe('NOT_FOUND');
  });

  it('needs READ_MESSAGE_HISTORY in the channel (inherited by its threads); outsiders see nothing', async () => {
    expect(codeOf(await h.as(outsider, HISTORY, { channelId: channel }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(undefined, HISTORY, { channelId: channel }))).toBe('UNAUTHENTICATED');
    const quiet = await h.seed.channel(guildId);
    await h.ok(owner, SEND, { channelId: quiet, content: 'before you came' });
    await h.seed.overwrite(quiet, 'member', member, 0n, PERMISSIONS.READ_MESSAGE_HISTORY);
    expect(codeOf(await h.as(member, HISTORY, { channelId: quiet }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(owner, HISTORY, { channelId: quiet }))).toBe('OK');
    // Last: a thread follows its parent channel.
    expect(codeOf(await h.as(member, HISTORY, { channelId: thread }))).toBe('OK');
    await h.seed.overwrite(channel, 'member', member, 0n, PERMISSIONS.READ_MESSAGE_HISTORY);
    expect(codeOf(await h.as(member, HISTORY, { channelId: thread }))).toBe('FORBIDDEN');
  });
});
