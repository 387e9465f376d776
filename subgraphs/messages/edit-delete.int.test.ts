import { channelState, mentions, messageEdits, messages, pins, reactions } from '@gochat/drizzle';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { count, eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';

import { openMessagesHarness, type MessagesHarness } from './test-harness.ts';

const SEND = `mutation($channelId: ID!, $content: String) { sendMessage(channelId: $channelId, content: $content) { id createdAt } }`;
const EDIT = `mutation($channelId: ID!, $messageId: ID!, $content: String!) {
  editMessage(channelId: $channelId, messageId: $messageId, content: $content) {
    id content editedAt mentions { users { id } } editHistory { content writtenAt replacedAt }
  }
}`;
const ONE = `query($channelId: ID!, $id: ID!) { message(channelId: $channelId, id: $id) {
  id content createdAt editedAt editHistory { content writtenAt replacedAt }
} }`;
const HISTORY = `query($channelId: ID!) { messages(channelId: $channelId) { id editHistory { content } } }`;
const DELETE = `mutation($channelId: ID!, $messageId: ID!) { deleteMessage(channelId: $channelId, messageId: $messageId) }`;
const BULK = `mutation($channelId: ID!, $messageIds: [ID!]!) { bulkDeleteMessages(channelId: $channelId, messageIds: $messageIds) }`;

interface Version {
  content: string;
  writtenAt: string;
  replacedAt: string;
}
interface Edited {
  id: string;
  content: string;
  editedAt: string | null;
  createdAt: string;
  mentions: { users: { id: string }[] };
  editHistory: Version[];
}

const { VIEW_CHANNEL, READ_MESSAGE_HISTORY, MANAGE_MESSAGES } = PERMISSIONS;

async function published(h: MessagesHarness, type: string) {
  await h.flush();
  return h.events.events.filter((e) => e.type === type);
}

await describeOnBothDatabases('editing and deleting messages', openMessagesHarness, (h) => {
  let owner: string, author: string, member: string, mod: string, outsider: string;
  let guildId: string;

  beforeAll(async () => {
    [owner, author, member, mod, outsider] = await Promise.all([
      h.createUser('owner'),
      h.createUser('author'),
      h.createUser('member'),
      h.createUser('mod'),
      h.createUser('outsider'),
    ]);
    guildId = await h.seed.guild(owner);
    for (const u of [author, member, mod]) await h.seed.member(guildId, u);
    await h.seed.role(guildId, MANAGE_MESSAGES, [mod]);
  });

  const post = async (who: string, channelId: string, content = 'original') =>
    (await h.ok<{ sendMessage: { id: string; createdAt: string } }>(who, SEND, { channelId, content }))
      .sendMessage;
  const edit = (who: string | undefined, channelId: string, messageId: string, content: string) =>
    h.as<{ editMessage: Edited }>(who, EDIT, { channelId, messageId, content });
  const read = async (who: string, channelId: string, id: string) =>
    (await h.ok<{ message: Edited }>(who, ONE, { channelId, id })).message;
  const remove = (who: string | undefined, channelId: string, messageId: string) =>
    h.as<{ deleteMessage: string }>(who, DELETE, { channelId, messageId });
  const bulk = (who: string, channelId: string, messageIds: string[]) =>
    h.as<{ bulkDeleteMessages: string[] }>(who, BULK, { channelId, messageIds });
  const exists = async (id: string) =>
    (await h.db.select({ n: count() }).from(messages).where(eq(messages.id, id)))[0]!.n === 1;

  /** A reaction, a pin (counted in channel_state) and a user mention hanging off the message. */
  async function decorate(channelId: string, messageId: string) {
    const base = { channelId, messageId, parentChannelId: channelId };
    await h.db.insert(reactions).values({ ...base, emojiKey: 'u:👍', userId: member });
    await h.db.insert(pins).values({ ...base, pinnedBy: mod });
    await h.db
      .insert(channelState)
      .values({ channelId, parentChannelId: channelId, guildId, pinCount: 1 })
      .onConflictDoUpdate({ target: channelState.channelId, set: { pinCount: 1 } });
  }
  async function dependents(ids: string[]) {
    const where = <T extends typeof reactions | typeof pins | typeof mentions | typeof messageEdits>(t: T) =>
      inArray(t.messageId, ids);
    return {
      reactions: (await h.db.select().from(reactions).where(where(reactions))).length,
      pins: (await h.db.select().from(pins).where(where(pins))).length,
      mentions: (await h.db.select().from(mentions).where(where(mentions))).length,
      edits: (await h.db.select().from(messageEdits).where(where(messageEdits))).length,
    };
  }
  const pinCount = async (channelId: string) =>
    (await h.db.select().from(channelState).where(eq(channelState.channelId, channelId)))[0]?.pinCount;

  describe('editMessage', () => {
    it('the author edits: editedAt is set, the old versions go to the history, oldest first', async () => {
      const channel = await h.seed.channel(guildId);
      const sent = await post(author, channel, 'v1');
      const first = (await edit(author, channel, sent.id, 'v2')).data!.editMessage;
      expect(first).toMatchObject({ id: sent.id, content: 'v2' });
      expect(first.editedAt).not.toBeNull();
      expect(first.editHistory).toEqual([
        { content: 'v1', writtenAt: sent.createdAt, replacedAt: first.editedAt },
      ]);
      const second = (await edit(author, channel, sent.id, 'v3')).data!.editMessage;
      expect(second.editHistory).toEqual([
        { content: 'v1', writtenAt: sent.createdAt, replacedAt: first.editedAt },
        { content: 'v2', writtenAt: first.editedAt, replacedAt: second.editedAt },
      ]);
      // Readers of the channel see the same history; a message never edited has none.
      expect(await read(member, channel, sent.id)).toMatchObject({
        content: 'v3',
        editedAt: second.editedAt,
        editHistory: second.editHistory,
      });
      const untouched = await post(author, channel);
      const page = await h.ok<{ messages: { id: string; editHistory: { content: string }[] }[] }>(
        member,
        HISTORY,
        { channelId: channel },
      );
      expect(page.messages).toEqual([
        { id: untouched.id, editHistory: [] },
        { id: sent.id, editHistory: [{ content: 'v1' }, { content: 'v2' }] },
      ]);

      const [event] = (await published(h, 'MessageUpdated')).filter(
        (e) =>
          (e.data as { messageId: string }).messageId === sent.id &&
          (e.data as { content: string }).content === 'v3',
      );
      expect(event).toMatchObject({ subject: `channel.${guildId}.${channel}.messages` });
      expect(event?.data).toEqual({
        messageId: sent.id,
        channelId: channel,
        parentChannelId: channel,
        guildId,
        authorId: author,
        content: 'v3',
        mentions: { users: [], roles: [], everyone: false, here: false },
        editedAt: second.editedAt,
        linkPreviews: true,
      });
    });

    it('only the author may edit; bad input is refused; nothing is written', async () => {
      const channel = await h.seed.channel(guildId);
      const other = await h.seed.channel(guildId);
      const sent = await post(author, channel);
      const elsewhere = await post(author, other);
      expect(codeOf(await edit(member, channel, sent.id, 'x'))).toBe('FORBIDDEN');
      expect(codeOf(await edit(mod, channel, sent.id, 'x'))).toBe('FORBIDDEN');
      expect(codeOf(await edit(owner, channel, sent.id, 'x'))).toBe('FORBIDDEN');
      expect(codeOf(await edit(outsider, channel, sent.id, 'x'))).toBe('FORBIDDEN');
      expect(codeOf(await edit(undefined, channel, sent.id, 'x'))).toBe('UNAUTHENTICATED');
      expect(codeOf(await edit(author, channel, elsewhere.id, 'x'))).toBe('NOT_FOUND');
      expect(codeOf(await edit(author, channel, h.ids.next(), 'x'))).toBe('NOT_FOUND');
      expect(codeOf(await edit(author, channel, 'nope', 'x'))).toBe('VALIDATION');
      expect(codeOf(await edit(author, channel, sent.id, ' '))).toBe('VALIDATION');
      expect(codeOf(await edit(author, channel, sent.id, 'x'.repeat(2001)))).toBe('VALIDATION');
      expect(await read(author, channel, sent.id)).toMatchObject({
        content: 'original',
        editedAt: null,
        editHistory: [],
      });
      expect(await dependents([sent.id, elsewhere.id])).toMatchObject({ edits: 0 });
    });

    it('the author who can no longer read the channel cannot edit; nor can readers without READ_MESSAGE_HISTORY see it', async () => {
      const channel = await h.seed.channel(guildId);
      const sent = await post(author, channel);
      await h.seed.overwrite(channel, 'member', member, 0n, READ_MESSAGE_HISTORY);
      expect(codeOf(await h.as(member, ONE, { channelId: channel, id: sent.id }))).toBe('FORBIDDEN');
      await h.seed.overwrite(channel, 'member', author, 0n, VIEW_CHANNEL);
      expect(codeOf(await edit(author, channel, sent.id, 'x'))).toBe('FORBIDDEN');
      expect(codeOf(await remove(author, channel, sent.id))).toBe('FORBIDDEN');
      expect(await exists(sent.id)).toBe(true);
    });

    it('re-parses mentions: the mention rows follow the new content', async () => {
      const channel = await h.seed.channel(guildId);
      const sent = await post(author, channel, `hey <@${member}>`);
      const edited = (await edit(author, channel, sent.id, `hey <@${mod}>`)).data!.editMessage;
      expect(edited.mentions.users).toEqual([{ id: mod }]);
      const rows = await h.db.select().from(mentions).where(eq(mentions.messageId, sent.id));
      expect(rows.map((r) => r.targetId)).toEqual([mod]);
      await edit(author, channel, sent.id, 'no one');
      expect(await h.db.select().from(mentions).where(eq(mentions.messageId, sent.id))).toEqual([]);
    });
  });

  describe('deleteMessage', () => {
    it('the author deletes their message with its reactions, pins, mentions and history (MessageDeleted)', async () => {
      const channel = await h.seed.channel(guildId);
      const sent = await post(author, channel, `for <@${member}>`);
      await edit(author, channel, sent.id, `still for <@${member}>`);
      await decorate(channel, sent.id);
      expect(await dependents([sent.id])).toEqual({ reactions: 1, pins: 1, mentions: 1, edits: 1 });

      expect((await remove(author, channel, sent.id)).data?.deleteMessage).toBe(sent.id);
      expect(await exists(sent.id)).toBe(false);
      expect(codeOf(await h.as(author, ONE, { channelId: channel, id: sent.id }))).toBe('NOT_FOUND');
      expect(await dependents([sent.id])).toEqual({ reactions: 0, pins: 0, mentions: 0, edits: 0 });
      expect(await pinCount(channel)).toBe(0);
      const [event] = (await published(h, 'MessageDeleted')).filter(
        (e) => (e.data as { messageId: string }).messageId === sent.id,
      );
      expect(event).toMatchObject({
        subject: `channel.${guildId}.${channel}.messages`,
        data: { messageId: sent.id, channelId: channel, parentChannelId: channel, guildId, actorId: author },
      });
      expect(codeOf(await remove(author, channel, sent.id))).toBe('NOT_FOUND');
    });

    it("MANAGE_MESSAGES holders delete others' messages; other members and outsiders cannot", async () => {
      const channel = await h.seed.channel(guildId);
      const sent = await post(author, channel);
      expect(codeOf(await remove(member, channel, sent.id))).toBe('FORBIDDEN');
      expect(codeOf(await remove(outsider, channel, sent.id))).toBe('FORBIDDEN');
      expect(codeOf(await remove(undefined, channel, sent.id))).toBe('UNAUTHENTICATED');
      expect(codeOf(await remove(mod, channel, 'x'))).toBe('VALIDATION');
      expect(codeOf(await remove(mod, channel, h.ids.next()))).toBe('NOT_FOUND');
      expect(await exists(sent.id)).toBe(true);
      expect((await remove(mod, channel, sent.id)).data?.deleteMessage).toBe(sent.id);
      expect(await exists(sent.id)).toBe(false);
      const [event] = (await published(h, 'MessageDeleted')).filter(
        (e) => (e.data as { messageId: string }).messageId === sent.id,
      );
      expect(event?.data).toMatchObject({ actorId: mod });
    });

    it('in a DM only the author deletes', async () => {
      const dm = await h.seed.dm(author, member);
      const sent = await post(author, dm);
      expect(codeOf(await remove(member, dm, sent.id))).toBe('FORBIDDEN');
      expect(codeOf(await remove(author, dm, sent.id))).toBe('OK');
    });
  });

  describe("the container's last message", () => {
    const lastMessage = async (channelId: string) =>
      (await h.db.select().from(channelState).where(eq(channelState.channelId, channelId)))[0]?.lastMessageId;

    it('falls back to the newest message left when the newest is deleted, and to none when all are', async () => {
      const channel = await h.seed.channel(guildId);
      const [a, b, c] = [
        await post(author, channel),
        await post(author, channel),
        await post(author, channel),
      ];
      expect(await lastMessage(channel)).toBe(c.id);
      await remove(author, channel, a.id); // not the newest: unchanged
      expect(await lastMessage(channel)).toBe(c.id);
      await remove(author, channel, c.id);
      expect(await lastMessage(channel)).toBe(b.id);
      expect((await bulk(mod, channel, [b.id, a.id])).data?.bulkDeleteMessages).toEqual([b.id]);
      expect(await lastMessage(channel)).toBeNull();
    });
  });

  describe('bulkDeleteMessages', () => {
    it('deletes the existing messages of the channel, skips the rest, and publishes one MessagesBulkDeleted', async () => {
      const channel = await h.seed.channel(guildId);
      const other = await h.seed.channel(guildId);
      const [a, b, c] = [
        await post(author, channel),
        await post(member, channel),
        await post(author, channel),
      ];
      const foreign = await post(author, other);
      await decorate(channel, a.id);
      const unknown = h.ids.next();
      const result = await bulk(mod, channel, [a.id, unknown, foreign.id, b.id]);
      expect(result.data?.bulkDeleteMessages).toEqual([a.id, b.id]);
      expect(await exists(a.id)).toBe(false);
      expect(await exists(b.id)).toBe(false);
      expect(await exists(c.id)).toBe(true);
      expect(await exists(foreign.id)).toBe(true);
      expect(await dependents([a.id])).toEqual({ reactions: 0, pins: 0, mentions: 0, edits: 0 });
      expect(await pinCount(channel)).toBe(0);
      const events = (await published(h, 'MessagesBulkDeleted')).filter(
        (e) => (e.data as { channelId: string }).channelId === channel,
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        subject: `channel.${guildId}.${channel}.messages`,
        data: { channelId: channel, guildId, messageIds: [a.id, b.id], actorId: mod },
      });
      // Nothing left to delete: an empty answer and no event.
      expect((await bulk(mod, channel, [a.id, b.id])).data?.bulkDeleteMessages).toEqual([]);
      expect(
        (await published(h, 'MessagesBulkDeleted')).filter(
          (e) => (e.data as { channelId: string }).channelId === channel,
        ),
      ).toHaveLength(1);
    });

    it('takes 2-100 distinct valid ids, needs MANAGE_MESSAGES, and deletes nothing otherwise', async () => {
      const channel = await h.seed.channel(guildId);
      const [a, b] = [await post(author, channel), await post(author, channel)];
      const many = Array.from({ length: 101 }, () => h.ids.next());
      expect(codeOf(await bulk(mod, channel, [a.id]))).toBe('VALIDATION');
      expect(codeOf(await bulk(mod, channel, []))).toBe('VALIDATION');
      expect(codeOf(await bulk(mod, channel, many))).toBe('VALIDATION');
      expect(codeOf(await bulk(mod, channel, [a.id, a.id]))).toBe('VALIDATION');
      expect(codeOf(await bulk(mod, channel, [a.id, 'nope']))).toBe('VALIDATION');
      expect(codeOf(await bulk(author, channel, [a.id, b.id]))).toBe('FORBIDDEN');
      expect(codeOf(await bulk(outsider, channel, [a.id, b.id]))).toBe('FORBIDDEN');
      expect(await exists(a.id)).toBe(true);
      expect(await exists(b.id)).toBe(true);
      expect((await bulk(mod, channel, [...many.slice(0, 98), a.id, b.id])).data?.bulkDeleteMessages).toEqual(
        [a.id, b.id],
      );
    });
  });
});
