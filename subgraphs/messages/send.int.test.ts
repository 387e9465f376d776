import {
  channelState,
  channels,
  mentions,
  messageNonces,
  messages,
  outboxEvents,
  readStates,
  threadMembers,
  threads,
} from '@gochat/drizzle';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases, type GraphqlResult } from '@gochat/testkit';
import { and, count, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';

import { openMessagesHarness, type MessagesHarness } from './test-harness.ts';

const SEND = `mutation($channelId: ID!, $content: String, $nonce: String, $replyToId: ID, $attachmentIds: [ID!]) {
  sendMessage(channelId: $channelId, content: $content, nonce: $nonce, replyToId: $replyToId, attachmentIds: $attachmentIds) {
    id channelId content editedAt channel { id } thread { id }
    replyTo { messageId deleted message { id content } }
    mentions { users { id } roleIds everyone here }
  }
}`;
const ONE = `query($channelId: ID!, $id: ID!) { message(channelId: $channelId, id: $id) {
  id replyTo { messageId deleted message { id content } }
} }`;
const DELETE = `mutation($channelId: ID!, $messageId: ID!) { deleteMessage(channelId: $channelId, messageId: $messageId) }`;

interface SentMessage {
  id: string;
  channelId: string;
  content: string;
  channel: { id: string };
  replyTo: { messageId: string; deleted: boolean; message: { id: string; content: string } | null } | null;
  mentions: { users: { id: string }[]; roleIds: string[]; everyone: boolean; here: boolean };
}
type Sent = { sendMessage: SentMessage };

const {
  VIEW_CHANNEL,
  SEND_MESSAGES_IN_THREADS,
  READ_MESSAGE_HISTORY,
  MANAGE_MESSAGES,
  MANAGE_CHANNELS,
  MANAGE_THREADS,
  MENTION_EVERYONE,
} = PERMISSIONS;

/** Events of a type published so far (after a flush), their payloads only. */
async function published(h: MessagesHarness, type: string) {
  await h.flush();
  return h.events.events.filter((e) => e.type === type);
}
const retryAfter = (result: GraphqlResult<unknown>) =>
  (result.errors?.[0]?.extensions as { retryAfter?: number } | undefined)?.retryAfter;

await describeOnBothDatabases('sending messages', openMessagesHarness, (h, name) => {
  let owner: string, member: string, other: string, outsider: string, mod: string, channelManager: string;
  let guildId: string, text: string;

  beforeAll(async () => {
    [owner, member, other, outsider, mod, channelManager] = await Promise.all([
      h.createUser('owner'),
      h.createUser('member'),
      h.createUser('other'),
      h.createUser('outsider'),
      h.createUser('mod'),
      h.createUser('channel manager'),
    ]);
    guildId = await h.seed.guild(owner);
    for (const u of [member, other, mod, channelManager]) await h.seed.member(guildId, u);
    await h.seed.role(guildId, MANAGE_MESSAGES, [mod]);
    await h.seed.role(guildId, MANAGE_CHANNELS, [channelManager]);
    text = await h.seed.channel(guildId);
  });

  const send = (who: string | undefined, channelId: string, vars: Record<string, unknown> = {}) =>
    h.as<Sent>(who, SEND, { channelId, content: 'hello', ...vars });
  const sent = async (who: string, channelId: string, vars: Record<string, unknown> = {}) =>
    (await h.ok<Sent>(who, SEND, { channelId, content: 'hello', ...vars })).sendMessage;
  const countIn = async (channelId: string) =>
    (await h.db.select({ n: count() }).from(messages).where(eq(messages.channelId, channelId)))[0]!.n;
  const outboxSize = async () => (await h.db.select({ n: count() }).from(outboxEvents))[0]!.n;
  const slowChannel = async (seconds: number) => {
    const id = await h.seed.channel(guildId);
    await h.db.update(channels).set({ slowmodeSeconds: seconds }).where(eq(channels.id, id));
    return id;
  };
  const thread = async (parentId: string, values: Partial<typeof threads.$inferInsert> = {}) => {
    const id = h.ids.next();
    await h.db.insert(threads).values({ id, parentId, guildId, ownerId: owner, name: 'a thread', ...values });
    return id;
  };

  describe('content', () => {
    it('stores the message, the last message of the channel and the sender read position, then publishes MessageCreated', async () => {
      const channel = await h.seed.channel(guildId);
      const message = await sent(member, channel, { content: 'first!' });
      expect(message).toMatchObject({ channelId: channel, content: 'first!', channel: { id: channel } });
      const [state] = await h.db.select().from(channelState).where(eq(channelState.channelId, channel));
      expect(state).toMatchObject({ lastMessageId: message.id, parentChannelId: channel, guildId });
      const [read] = await h.db
        .select()
        .from(readStates)
        .where(and(eq(readStates.channelId, channel), eq(readStates.userId, member)));
      expect(read?.lastReadId).toBe(message.id);

      const second = await sent(other, channel, { content: 'second' });
      const [after] = await h.db.select().from(channelState).where(eq(channelState.channelId, channel));
      expect(after?.lastMessageId).toBe(second.id);

      const event = (await published(h, 'MessageCreated')).find(
        (e) => (e.data as { messageId: string }).messageId === message.id,
      );
      expect(event).toMatchObject({ subject: `channel.${guildId}.${channel}.messages` });
      expect(event?.data).toEqual({
        messageId: message.id,
        channelId: channel,
        parentChannelId: channel,
        guildId,
        authorId: member,
        kind: 'default',
        content: 'first!',
        replyToId: null,
        mentions: { users: [], roles: [], everyone: false, here: false },
        attachmentIds: [],
        embeds: [],
        linkPreviews: true,
      });
    });

    it('takes up to 2000 characters (counted as characters, not UTF-16 units)', async () => {
      expect(codeOf(await send(member, text, { content: 'x'.repeat(2000) }))).toBe('OK');
      expect(codeOf(await send(member, text, { content: '😀'.repeat(2000) }))).toBe('OK');
    });

    it('refuses bad input with VALIDATION and writes nothing', async () => {
      const channel = await h.seed.channel(guildId);
      const voice = await h.seed.channel(guildId, 'voice');
      const before = await outboxSize();
      for (const vars of [
        { content: 'x'.repeat(2001) },
        { content: '' },
        { content: ' \n\t ' },
        { content: null },
        { content: 'with a file', attachmentIds: [h.ids.next()] },
        { nonce: '' },
        { nonce: 'n'.repeat(65) },
        { replyToId: 'not-an-id' },
      ])
        expect(codeOf(await send(member, channel, vars)), JSON.stringify(vars)).toBe('VALIDATION');
      expect(codeOf(await send(member, 'abc'))).toBe('VALIDATION');
      expect(codeOf(await send(member, voice))).toBe('VALIDATION');
      expect(codeOf(await send(member, h.ids.next()))).toBe('NOT_FOUND');
      expect(await countIn(channel)).toBe(0);
      expect(await outboxSize()).toBe(before);
      expect(codeOf(await send(member, channel, { attachmentIds: [] }))).toBe('OK');
    });
  });

  describe('nonce', () => {
    it('a retry with the same nonce returns the first message and adds nothing', async () => {
      const channel = await h.seed.channel(guildId);
      const first = await sent(member, channel, { nonce: 'n-1', content: 'once' });
      const retry = await sent(member, channel, { nonce: 'n-1', content: 'once, again' });
      expect(retry).toEqual(first);
      expect(await countIn(channel)).toBe(1);
      const created = await published(h, 'MessageCreated');
      expect(created.filter((e) => (e.data as { channelId: string }).channelId === channel)).toHaveLength(1);
      // Another author's nonce is theirs; another nonce is another message.
      expect((await sent(other, channel, { nonce: 'n-1' })).id).not.toBe(first.id);
      expect((await sent(member, channel, { nonce: 'n-2' })).id).not.toBe(first.id);
      expect(await countIn(channel)).toBe(3);
      // 64 characters is the longest nonce.
      expect(codeOf(await send(member, channel, { nonce: 'n'.repeat(64) }))).toBe('OK');
    });

    it('a nonce used in another channel within the window is a CONFLICT', async () => {
      const [a, b] = [await h.seed.channel(guildId), await h.seed.channel(guildId)];
      await sent(member, a, { nonce: 'moving' });
      expect(codeOf(await send(member, b, { nonce: 'moving' }))).toBe('CONFLICT');
      expect(await countIn(b)).toBe(0);
    });

    it('a nonce older than 10 minutes sends again, and the entry moves to the new message', async () => {
      const channel = await h.seed.channel(guildId);
      const first = await sent(member, channel, { nonce: 'old' });
      await h.db
        .update(messageNonces)
        .set({ createdAt: sql`now() - interval '11 minutes'` })
        .where(and(eq(messageNonces.authorId, member), eq(messageNonces.nonce, 'old')));
      const again = await sent(member, channel, { nonce: 'old' });
      expect(again.id).not.toBe(first.id);
      const [entry] = await h.db
        .select()
        .from(messageNonces)
        .where(and(eq(messageNonces.authorId, member), eq(messageNonces.nonce, 'old')));
      expect(entry?.messageId).toBe(again.id);
      expect((await sent(member, channel, { nonce: 'old' })).id).toBe(again.id);
    });

    it("a sender's expired nonces are cleared when they send with a new one; fresh ones stay", async () => {
      const channel = await h.seed.channel(guildId);
      await sent(member, channel, { nonce: 'expired-1' });
      await sent(member, channel, { nonce: 'fresh-1' });
      await h.db
        .update(messageNonces)
        .set({ createdAt: sql`now() - interval '11 minutes'` })
        .where(and(eq(messageNonces.authorId, member), eq(messageNonces.nonce, 'expired-1')));
      await sent(member, channel, { nonce: 'fresh-2' });
      const left = await h.db
        .select({ nonce: messageNonces.nonce })
        .from(messageNonces)
        .where(eq(messageNonces.authorId, member));
      const nonces = left.map((r) => r.nonce);
      expect(nonces).toContain('fresh-1');
      expect(nonces).toContain('fresh-2');
      expect(nonces).not.toContain('expired-1');
    });

    it('a retry after the message was deleted is NOT_FOUND and sends nothing', async () => {
      const channel = await h.seed.channel(guildId);
      const first = await sent(member, channel, { nonce: 'gone' });
      await h.ok(member, DELETE, { channelId: channel, messageId: first.id });
      expect(codeOf(await send(member, channel, { nonce: 'gone' }))).toBe('NOT_FOUND');
      expect(await countIn(channel)).toBe(0);
    });

    it('sending in a thread joins it once (ThreadMembersUpdated), as in Discord', async () => {
      const channel = await h.seed.channel(guildId);
      const id = await thread(channel);
      await sent(member, id, { content: 'first' });
      await sent(member, id, { content: 'second' });
      const members = await h.db.select().from(threadMembers).where(eq(threadMembers.threadId, id));
      expect(members.map((m) => m.userId)).toEqual([member]);
      const joins = (await published(h, 'ThreadMembersUpdated')).filter(
        (e) => (e.data as { threadId: string }).threadId === id,
      );
      expect(joins.map((e) => e.data)).toEqual([{ guildId, threadId: id, userId: member, joined: true }]);
    });

    if (name === 'postgres')
      it('parallel sends with one nonce make exactly one message, and every call returns it (real PostgreSQL)', async () => {
        const channel = await h.seed.channel(guildId);
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => send(member, channel, { nonce: 'race', content: `try ${i}` })),
        );
        expect(results.map(codeOf)).toEqual(Array(8).fill('OK'));
        const ids = new Set(results.map((r) => r.data?.sendMessage.id));
        expect(ids.size).toBe(1);
        expect(await countIn(channel)).toBe(1);
        const created = await published(h, 'MessageCreated');
        expect(created.filter((e) => (e.data as { channelId: string }).channelId === channel)).toHaveLength(
          1,
        );
      });
  });

  describe('slowmode', () => {
    it('refuses a second message within the window with RATE_LIMITED and a retry time; moderators are exempt', async () => {
      const channel = await slowChannel(60);
      expect(codeOf(await send(member, channel))).toBe('OK');
      const refused = await send(member, channel, { content: 'too soon' });
      expect(codeOf(refused)).toBe('RATE_LIMITED');
      expect(retryAfter(refused)).toBeGreaterThan(0);
      expect(retryAfter(refused)).toBeLessThanOrEqual(60);
      // The window is per user.
      expect(codeOf(await send(other, channel))).toBe('OK');
      for (const exempt of [mod, channelManager, owner]) {
        expect(codeOf(await send(exempt, channel))).toBe('OK');
        expect(codeOf(await send(exempt, channel))).toBe('OK');
      }
      expect(await countIn(channel)).toBe(8);
    });

    it('checks permissions and content before spending the window; a nonce replay spends nothing', async () => {
      const channel = await slowChannel(60);
      expect(codeOf(await send(member, channel, { content: '' }))).toBe('VALIDATION');
      expect(codeOf(await send(outsider, channel))).toBe('FORBIDDEN');
      const first = await sent(member, channel, { nonce: 'slow' });
      expect((await sent(member, channel, { nonce: 'slow' })).id).toBe(first.id);
      // Refused content while slowed down is VALIDATION, not RATE_LIMITED.
      expect(codeOf(await send(member, channel, { content: 'x'.repeat(2001) }))).toBe('VALIDATION');
      // A refused send rolls its nonce back: nothing remembers it.
      expect(codeOf(await send(member, channel, { nonce: 'refused' }))).toBe('RATE_LIMITED');
      const nonces = await h.db
        .select()
        .from(messageNonces)
        .where(and(eq(messageNonces.authorId, member), eq(messageNonces.nonce, 'refused')));
      expect(nonces).toEqual([]);
      expect(await countIn(channel)).toBe(1);
    });

    it("a thread shares its parent channel's slowmode", async () => {
      const channel = await slowChannel(60);
      const inThread = await thread(channel);
      expect(codeOf(await send(member, inThread))).toBe('OK');
      expect(codeOf(await send(member, channel))).toBe('RATE_LIMITED');
    });
  });

  describe('replies', () => {
    it('point at a message of the same container, and still render once it is deleted', async () => {
      const channel = await h.seed.channel(guildId);
      const target = await sent(other, channel, { content: 'the original' });
      const reply = await sent(member, channel, { content: 'a reply', replyToId: target.id });
      expect(reply.replyTo).toEqual({
        messageId: target.id,
        deleted: false,
        message: { id: target.id, content: 'the original' },
      });
      const event = (await published(h, 'MessageCreated')).find(
        (e) => (e.data as { messageId: string }).messageId === reply.id,
      );
      expect(event?.data).toMatchObject({ replyToId: target.id });

      await h.ok(other, DELETE, { channelId: channel, messageId: target.id });
      const after = await h.ok<{ message: SentMessage }>(member, ONE, { channelId: channel, id: reply.id });
      expect(after.message.replyTo).toEqual({ messageId: target.id, deleted: true, message: null });
      // Not a reply: no reference.
      expect((await sent(member, channel)).replyTo).toBeNull();
    });

    it('refuse unknown and foreign targets with NOT_FOUND, and need READ_MESSAGE_HISTORY', async () => {
      const channel = await h.seed.channel(guildId);
      const foreign = await sent(other, text);
      expect(codeOf(await send(member, channel, { replyToId: foreign.id }))).toBe('NOT_FOUND');
      expect(codeOf(await send(member, channel, { replyToId: h.ids.next() }))).toBe('NOT_FOUND');
      const noHistory = await h.seed.channel(guildId);
      const target = await sent(owner, noHistory);
      await h.seed.overwrite(noHistory, 'role', guildId, 0n, READ_MESSAGE_HISTORY);
      expect(codeOf(await send(member, noHistory, { replyToId: target.id }))).toBe('FORBIDDEN');
      expect(codeOf(await send(member, noHistory))).toBe('OK');
      expect(await countIn(channel)).toBe(0);
    });
  });

  describe('mentions', () => {
    it('take effect for users who can see the channel and roles of its guild; the rest stay text', async () => {
      const channel = await h.seed.channel(guildId);
      // `other` cannot see this channel.
      await h.seed.overwrite(channel, 'member', other, 0n, VIEW_CHANNEL);
      const role = await h.seed.role(guildId, 0n, []);
      const foreignGuild = await h.seed.guild(outsider);
      const foreignRole = await h.seed.role(foreignGuild, 0n, []);
      const content = `<@${mod}> <@!${mod}> <@${other}> <@${outsider}> <@${member}> <@&${role}> <@&${foreignRole}> <@&${guildId}> @everyone @here`;
      const message = await sent(member, channel, { content });
      expect(message.mentions).toEqual({
        users: [{ id: mod }, { id: member }],
        roleIds: [role],
        everyone: false,
        here: false,
      });
      const rows = await h.db.select().from(mentions).where(eq(mentions.messageId, message.id));
      // The author's own mention counts for no one.
      expect(rows.map((r) => [r.targetType, r.targetId]).sort()).toEqual([
        ['role', role],
        ['user', mod],
      ]);
      const event = (await published(h, 'MessageCreated')).find(
        (e) => (e.data as { messageId: string }).messageId === message.id,
      );
      expect(event?.data).toMatchObject({
        mentions: { users: [mod, member], roles: [role], everyone: false, here: false },
      });
    });

    it('@everyone and @here need MENTION_EVERYONE; both are stored as one everyone row', async () => {
      const channel = await h.seed.channel(guildId);
      const herald = await h.createUser('herald');
      await h.seed.member(guildId, herald);
      await h.seed.role(guildId, MENTION_EVERYONE, [herald]);
      const loud = await sent(herald, channel, { content: '@everyone @here listen' });
      expect(loud.mentions).toMatchObject({ everyone: true, here: true });
      const hereOnly = await sent(herald, channel, { content: '@here only' });
      expect(hereOnly.mentions).toMatchObject({ everyone: false, here: true });
      const rows = await h.db.select().from(mentions).where(eq(mentions.channelId, channel));
      expect(rows.map((r) => [r.messageId, r.targetType, r.targetId]).sort()).toEqual(
        [
          [loud.id, 'everyone', ''],
          [hereOnly.id, 'everyone', ''],
        ].sort(),
      );
      const quiet = await sent(member, channel, { content: '@everyone @here listen' });
      expect(quiet.mentions).toMatchObject({ everyone: false, here: false });
      expect(await h.db.select().from(mentions).where(eq(mentions.messageId, quiet.id))).toEqual([]);
    });

    it('in DMs: participants only, and never @everyone', async () => {
      const dm = await h.seed.dm(member, other);
      const message = await sent(member, dm, { content: `<@${other}> <@${outsider}> @everyone` });
      expect(message.mentions).toEqual({ users: [{ id: other }], roleIds: [], everyone: false, here: false });
      const rows = await h.db.select().from(mentions).where(eq(mentions.messageId, message.id));
      expect(rows.map((r) => r.targetId)).toEqual([other]);
    });
  });

  describe('threads', () => {
    it('a message in a thread lives in the thread, under its parent channel, and moves its activity', async () => {
      const channel = await h.seed.channel(guildId);
      const id = await thread(channel, { lastActivityAt: new Date(Date.now() - 60_000) });
      const message = await sent(member, id, { content: 'in the thread' });
      expect(message).toMatchObject({ channelId: id, channel: { id: channel } });
      const [row] = await h.db.select().from(threads).where(eq(threads.id, id));
      expect(row!.lastActivityAt.getTime()).toBeGreaterThan(Date.now() - 30_000);
      const [state] = await h.db.select().from(channelState).where(eq(channelState.channelId, id));
      expect(state).toMatchObject({ lastMessageId: message.id, parentChannelId: channel });
      const event = (await published(h, 'MessageCreated')).find(
        (e) => (e.data as { messageId: string }).messageId === message.id,
      );
      expect(event).toMatchObject({
        subject: `channel.${guildId}.${id}.messages`,
        data: { channelId: id, parentChannelId: channel, guildId },
      });
      expect(await countIn(channel)).toBe(0);
    });

    it('needs SEND_MESSAGES_IN_THREADS (not SEND_MESSAGES); a locked thread needs MANAGE_THREADS', async () => {
      const channel = await h.seed.channel(guildId);
      const id = await thread(channel);
      await h.seed.overwrite(channel, 'member', member, 0n, SEND_MESSAGES_IN_THREADS);
      expect(codeOf(await send(member, id))).toBe('FORBIDDEN');
      expect(codeOf(await send(member, channel))).toBe('OK');
      expect(codeOf(await send(outsider, id))).toBe('FORBIDDEN');

      const locked = await thread(channel, { locked: true });
      const manager = await h.createUser('thread manager');
      await h.seed.member(guildId, manager);
      await h.seed.role(guildId, MANAGE_THREADS, [manager]);
      expect(codeOf(await send(other, locked))).toBe('FORBIDDEN');
      expect(codeOf(await send(manager, locked))).toBe('OK');
      expect(await countIn(id)).toBe(0);
      expect(await countIn(locked)).toBe(1);
    });

    it('sending unarchives an archived or idle thread (ThreadUpdated); a locked one stays archived', async () => {
      const channel = await h.seed.channel(guildId);
      const archived = await thread(channel, { archived: true, archivedAt: new Date() });
      const idle = await thread(channel, {
        autoArchiveMinutes: 60,
        lastActivityAt: new Date(Date.now() - 2 * 3_600_000),
      });
      await sent(member, archived);
      await sent(member, idle);
      const rows = await h.db.select().from(threads).where(eq(threads.parentId, channel));
      for (const row of rows) expect(row).toMatchObject({ archived: false, archivedAt: null });
      const updates = (await published(h, 'ThreadUpdated')).filter(
        (e) => (e.data as { parentChannelId: string }).parentChannelId === channel,
      );
      expect(updates).toHaveLength(2);
      expect(updates.map((e) => e.data)).toEqual(
        expect.arrayContaining(
          [archived, idle].map((threadId) => ({
            guildId,
            actorId: member,
            threadId,
            parentChannelId: channel,
            fields: ['archived'],
          })),
        ),
      );
      // Thread events go to the parent channel's subject.
      expect(updates.every((e) => e.subject === `channel.${guildId}.${channel}.messages`)).toBe(true);

      // An active thread announces nothing.
      const updatesBefore = (await published(h, 'ThreadUpdated')).length;
      await sent(member, archived);
      expect(await published(h, 'ThreadUpdated')).toHaveLength(updatesBefore);

      const lockedIdle = await thread(channel, {
        locked: true,
        autoArchiveMinutes: 60,
        lastActivityAt: new Date(Date.now() - 2 * 3_600_000),
      });
      await sent(owner, lockedIdle);
      const [row] = await h.db.select().from(threads).where(eq(threads.id, lockedIdle));
      expect(row).toMatchObject({ archived: true });
      expect(row!.archivedAt).not.toBeNull();
      const lockedUpdates = (await published(h, 'ThreadUpdated')).filter(
        (e) => (e.data as { threadId: string }).threadId === lockedIdle,
      );
      expect(lockedUpdates).toEqual([]);
    });
  });
});

await describeOnBothDatabases(
  'the per-user send limit',
  (url) => openMessagesHarness(url, { sendRate: { points: 3, windowSeconds: 60 } }),
  (h) => {
    let owner: string, member: string, text: string;
    beforeAll(async () => {
      [owner, member] = await Promise.all([h.createUser('owner'), h.createUser('member')]);
      const guildId = await h.seed.guild(owner);
      await h.seed.member(guildId, member);
      text = await h.seed.channel(guildId);
    });
    const send = (who: string, vars: Record<string, unknown>) =>
      h.as<Sent>(who, SEND, { channelId: text, content: 'hi', ...vars });

    it('refuses sends past the limit with RATE_LIMITED, per user; refused input and replays spend nothing', async () => {
      for (const content of ['', ' ', 'x'.repeat(2001), ''])
        expect(codeOf(await send(member, { content }))).toBe('VALIDATION');
      const first = await send(member, { nonce: 'limited' });
      expect(codeOf(first)).toBe('OK');
      expect(codeOf(await send(member, {}))).toBe('OK');
      expect(codeOf(await send(member, {}))).toBe('OK');
      const refused = await send(member, {});
      expect(codeOf(refused)).toBe('RATE_LIMITED');
      expect(retryAfter(refused)).toBeGreaterThan(0);
      // A replay of a message already sent is still answered.
      const replay = await send(member, { nonce: 'limited' });
      expect(replay.data?.sendMessage.id).toBe(first.data?.sendMessage.id);
      // Other users have their own budget.
      expect(codeOf(await send(owner, {}))).toBe('OK');
      const rows = await h.db.select().from(messages).where(eq(messages.channelId, text));
      expect(rows.filter((r) => r.authorId === member)).toHaveLength(3);
    });
  },
);
