import { emojis, reactions } from '@gochat/drizzle';
import { createPostgresTimeline, NO_MENTIONS } from '@gochat/message-store';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import type { MessagesContext } from './resolvers/context.ts';
import { resolvers } from './resolvers/reactions.ts';
import { createReactionsStore, MAX_REACTION_EMOJI } from './store/reactions.ts';
import type { ReactionRow } from './store/rows.ts';
import { openMessagesHarness } from './test-harness.ts';

const REACTIONS = 'reactions { emoji { unicode emojiId } count me }';
const ADD = `mutation($c: ID!, $m: ID!, $e: ReactionEmojiInput!) {
  addReaction(channelId: $c, messageId: $m, emoji: $e) { id ${REACTIONS} } }`;
const REMOVE = `mutation($c: ID!, $m: ID!, $e: ReactionEmojiInput!, $u: ID) {
  removeReaction(channelId: $c, messageId: $m, emoji: $e, userId: $u) { id ${REACTIONS} } }`;
const REMOVE_ALL = `mutation($c: ID!, $m: ID!, $e: ReactionEmojiInput) {
  removeAllReactions(channelId: $c, messageId: $m, emoji: $e) { id ${REACTIONS} } }`;
const READ = `query($c: ID!, $m: ID!) { message(channelId: $c, id: $m) { id ${REACTIONS} } }`;
const PAGE = `query($c: ID!) { messages(channelId: $c, limit: 50) { id ${REACTIONS} } }`;
const USERS = `query($c: ID!, $m: ID!, $e: ReactionEmojiInput!, $limit: Int, $after: ID) {
  reactionUsers(channelId: $c, messageId: $m, emoji: $e, limit: $limit, after: $after) { id } }`;

type Reaction = { emoji: { unicode: string | null; emojiId: string | null }; count: number; me: boolean };
type Read = { message: { id: string; reactions: Reaction[] } };
type Added = { addReaction: { id: string; reactions: Reaction[] } };
type Users = { reactionUsers: { id: string }[] };

const THUMBS = { unicode: '👍' };
const PARTY = { unicode: '🎉' };
const thumbs = (count: number, me: boolean): Reaction => ({
  emoji: { unicode: '👍', emojiId: null },
  count,
  me,
});

const { ADD_REACTIONS, MANAGE_MESSAGES, READ_MESSAGE_HISTORY } = PERMISSIONS;

await describeOnBothDatabases('reactions', openMessagesHarness, (h, name) => {
  let owner: string, member: string, other: string, moderator: string, outsider: string, muted: string;
  let guildId: string, text: string;

  beforeAll(async () => {
    owner = await h.createUser('owner');
    member = await h.createUser('member');
    other = await h.createUser('other');
    moderator = await h.createUser('moderator');
    outsider = await h.createUser('outsider');
    muted = await h.createUser('muted');
    guildId = await h.seed.guild(owner);
    for (const u of [member, other, moderator]) await h.seed.member(guildId, u);
    await h.seed.member(guildId, muted, new Date(Date.now() + 3_600_000));
    await h.seed.role(guildId, MANAGE_MESSAGES, [moderator]);
    text = await h.seed.channel(guildId);
  });

  /** A message written straight to the timeline (sending is another area's). */
  async function post(channelId: string, authorId = owner, guild: string | null = guildId) {
    const message = {
      id: h.ids.next(),
      channelId,
      parentChannelId: channelId,
      guildId: guild,
      authorId,
      kind: 'default' as const,
      content: 'react to me',
      replyToId: null,
      mentions: NO_MENTIONS,
      attachments: [],
    };
    await h.db.transaction((tx) => createPostgresTimeline(h.db).stage(tx, 'seed', { op: 'insert', message }));
    return message.id;
  }
  const add = (who: string | undefined, m: string, e: object, c = text) => h.as<Added>(who, ADD, { c, m, e });
  const read = async (who: string, m: string, c = text) =>
    (await h.ok<Read>(who, READ, { c, m })).message.reactions;
  const rowsOf = (messageId: string) =>
    h.db.select().from(reactions).where(eq(reactions.messageId, messageId));
  async function eventsOf(type: string, messageId: string) {
    await h.flush();
    return h.events.events.filter((e) => e.type === type && e.data.messageId === messageId);
  }
  async function customEmoji(guild: string) {
    const id = h.ids.next();
    await h.db.insert(emojis).values({ id, guildId: guild, name: `blob_${id}`, assetRef: 'asset' });
    return id;
  }

  describe('addReaction', () => {
    it('adds the viewer reaction, counts per emoji in the order first added, with `me` per viewer', async () => {
      const m = await post(text);
      const added = (await h.ok<Added>(member, ADD, { c: text, m, e: PARTY })).addReaction;
      expect(added).toEqual({
        id: m,
        reactions: [{ emoji: { unicode: '🎉', emojiId: null }, count: 1, me: true }],
      });
      await h.ok(other, ADD, { c: text, m, e: THUMBS });
      await h.ok(owner, ADD, { c: text, m, e: THUMBS });
      expect(await read(member, m)).toEqual([
        { emoji: { unicode: '🎉', emojiId: null }, count: 1, me: true },
        thumbs(2, false),
      ]);
      expect(await read(owner, m)).toEqual([
        { emoji: { unicode: '🎉', emojiId: null }, count: 1, me: false },
        thumbs(2, true),
      ]);
      const events = await eventsOf('ReactionAdded', m);
      expect(events).toHaveLength(3);
      expect(events[0]).toMatchObject({
        subject: `channel.${guildId}.${text}.messages`,
        data: {
          messageId: m,
          channelId: text,
          parentChannelId: text,
          guildId,
          userId: member,
          emoji: { unicode: '🎉', emojiId: null },
        },
      });
    });

    it('is idempotent: adding twice adds no row and no second event', async () => {
      const m = await post(text);
      await h.ok(member, ADD, { c: text, m, e: THUMBS });
      const again = (await h.ok<Added>(member, ADD, { c: text, m, e: THUMBS })).addReaction;
      expect(again.reactions).toEqual([thumbs(1, true)]);
      expect(await rowsOf(m)).toHaveLength(1);
      expect(await eventsOf('ReactionAdded', m)).toHaveLength(1);
    });

    it('refuses outsiders, anonymous callers, readers without history, and timed-out members; writes nothing', async () => {
      const m = await post(text);
      await h.ok(member, ADD, { c: text, m, e: THUMBS });
      const noHistory = await h.seed.channel(guildId);
      await h.seed.overwrite(noHistory, 'role', guildId, 0n, READ_MESSAGE_HISTORY);
      const hidden = await post(noHistory);

      expect(codeOf(await add(outsider, m, THUMBS))).toBe('FORBIDDEN');
      expect(codeOf(await add(undefined, m, THUMBS))).toBe('UNAUTHENTICATED');
      expect(codeOf(await add(member, hidden, THUMBS, noHistory))).toBe('FORBIDDEN');
      // A timed-out member can read, but not react, not even by joining an existing emoji.
      expect(codeOf(await h.as(muted, READ, { c: text, m }))).toBe('OK');
      expect(codeOf(await add(muted, m, THUMBS))).toBe('FORBIDDEN');
      // A router scope reads but never reacts.
      const scope = { kind: 'scope', scope: { channelId: text } } as const;
      expect(codeOf(await h.as(scope, ADD, { c: text, m, e: THUMBS }))).toBe('UNAUTHENTICATED');

      expect(await rowsOf(m)).toHaveLength(1);
      expect(await rowsOf(hidden)).toEqual([]);
      expect(await eventsOf('ReactionAdded', m)).toHaveLength(1);
    });

    it('without ADD_REACTIONS a member joins an existing emoji but cannot add a new one', async () => {
      const channel = await h.seed.channel(guildId);
      await h.seed.overwrite(channel, 'member', other, 0n, ADD_REACTIONS);
      const m = await post(channel);
      expect(codeOf(await add(other, m, THUMBS, channel))).toBe('FORBIDDEN');
      expect(await rowsOf(m)).toEqual([]);
      await h.ok(member, ADD, { c: channel, m, e: THUMBS });
      const joined = (await h.ok<Added>(other, ADD, { c: channel, m, e: THUMBS })).addReaction;
      expect(joined.reactions).toEqual([thumbs(2, true)]);
      expect(codeOf(await add(other, m, PARTY, channel))).toBe('FORBIDDEN');
      expect((await rowsOf(m)).map((r) => r.emojiKey).sort()).toEqual(['u:👍', 'u:👍']);
    });

    it('refuses bad emoji input (VALIDATION), unknown emoji and messages (NOT_FOUND); nothing written', async () => {
      const m = await post(text);
      const elsewhere = await h.seed.channel(guildId);
      expect(codeOf(await add(member, m, {}))).toBe('VALIDATION');
      expect(codeOf(await add(member, m, { unicode: '👍', emojiId: h.ids.next() }))).toBe('VALIDATION');
      expect(codeOf(await add(member, m, { unicode: 'abc' }))).toBe('VALIDATION');
      expect(codeOf(await add(member, m, { unicode: '👍👍' }))).toBe('VALIDATION');
      expect(codeOf(await add(member, m, { unicode: '' }))).toBe('VALIDATION');
      expect(codeOf(await add(member, m, { emojiId: 'blob' }))).toBe('VALIDATION');
      expect(codeOf(await add(member, m, { emojiId: h.ids.next() }))).toBe('NOT_FOUND');
      expect(codeOf(await add(member, h.ids.next(), THUMBS))).toBe('NOT_FOUND');
      // A message of another channel is unknown here.
      expect(codeOf(await add(member, m, THUMBS, elsewhere))).toBe('NOT_FOUND');
      expect(codeOf(await add(member, 'x', THUMBS))).toBe('VALIDATION');
      // Access comes before the emoji: an outsider learns nothing about the input.
      expect(codeOf(await add(outsider, m, { unicode: 'abc' }))).toBe('FORBIDDEN');
      expect(await rowsOf(m)).toEqual([]);
      expect(await eventsOf('ReactionAdded', m)).toEqual([]);
    });

    it("custom emoji: usable by members of the emoji's guild, in any channel they can read; FORBIDDEN to others", async () => {
      const m = await post(text);
      const own = await customEmoji(guildId);
      const otherGuild = await h.seed.guild(outsider);
      const foreign = await customEmoji(otherGuild);
      await h.seed.member(otherGuild, other);

      const added = (await h.ok<Added>(member, ADD, { c: text, m, e: { emojiId: own } })).addReaction;
      expect(added.reactions).toEqual([{ emoji: { unicode: null, emojiId: own }, count: 1, me: true }]);
      // `other` belongs to the foreign emoji's guild too, so may use it here.
      await h.ok(other, ADD, { c: text, m, e: { emojiId: foreign } });
      // `member` does not: not even to join the existing reaction.
      expect(codeOf(await add(member, m, { emojiId: foreign }))).toBe('FORBIDDEN');
      expect((await rowsOf(m)).map((r) => r.emojiKey).sort()).toEqual([`c:${own}`, `c:${foreign}`].sort());
      const [event] = await eventsOf('ReactionAdded', m);
      expect(event?.data.emoji).toEqual({ unicode: null, emojiId: own });
    });

    it(`holds at most ${MAX_REACTION_EMOJI} different emoji per message (LIMIT_REACHED); joining stays possible`, async () => {
      const m = await post(text);
      // Code points descending, so the order first added is not the order of the keys.
      const faces = Array.from({ length: MAX_REACTION_EMOJI + 1 }, (_, i) =>
        String.fromCodePoint(0x1f640 - i),
      );
      const start = Date.now() - 60_000;
      await h.db.insert(reactions).values(
        faces.slice(0, MAX_REACTION_EMOJI - 1).map((face, i) => ({
          messageId: m,
          emojiKey: `u:${face}`,
          userId: owner,
          channelId: text,
          parentChannelId: text,
          createdAt: new Date(start + i * 1_000),
        })),
      );
      await h.ok(owner, ADD, { c: text, m, e: { unicode: faces[MAX_REACTION_EMOJI - 1] } });
      expect(codeOf(await add(member, m, { unicode: faces[MAX_REACTION_EMOJI] }))).toBe('LIMIT_REACHED');
      expect(codeOf(await add(member, m, { unicode: faces[0] }))).toBe('OK');
      const list = await read(member, m);
      expect(list.map((r) => r.emoji.unicode)).toEqual(faces.slice(0, MAX_REACTION_EMOJI));
      expect(list[0]).toMatchObject({ count: 2, me: true });
      expect(list[1]).toMatchObject({ count: 1, me: false });
      expect(await rowsOf(m)).toHaveLength(MAX_REACTION_EMOJI + 1);
      expect(await eventsOf('ReactionAdded', m)).toHaveLength(2);
    });

    it('DMs: participants react; others cannot; a block stops reacting but not reading', async () => {
      const [a, b] = await Promise.all([h.createUser('a'), h.createUser('b')]);
      const dm = await h.seed.dm(a, b);
      const m = await post(dm, a, null);
      await h.ok(b, ADD, { c: dm, m, e: THUMBS });
      expect(codeOf(await add(owner, m, THUMBS, dm))).toBe('FORBIDDEN');
      const [event] = await eventsOf('ReactionAdded', m);
      expect(event).toMatchObject({
        subject: `channel.dm.${dm}.messages`,
        data: { guildId: null, userId: b },
      });
      await h.seed.block(a, b);
      expect(codeOf(await add(a, m, THUMBS, dm))).toBe('FORBIDDEN');
      expect(await read(a, m, dm)).toEqual([thumbs(1, false)]);
    });
  });

  describe('removing reactions', () => {
    it('a user removes their own reaction; removing nothing emits nothing', async () => {
      const m = await post(text);
      await h.ok(member, ADD, { c: text, m, e: THUMBS });
      await h.ok(other, ADD, { c: text, m, e: THUMBS });
      const removed = await h.ok<{ removeReaction: { reactions: Reaction[] } }>(member, REMOVE, {
        c: text,
        m,
        e: THUMBS,
      });
      expect(removed.removeReaction.reactions).toEqual([thumbs(1, false)]);
      expect(codeOf(await h.as(member, REMOVE, { c: text, m, e: THUMBS }))).toBe('OK');
      expect(codeOf(await h.as(member, REMOVE, { c: text, m, e: PARTY }))).toBe('OK');
      const events = await eventsOf('ReactionRemoved', m);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        subject: `channel.${guildId}.${text}.messages`,
        data: { actorId: member, userId: member, emoji: { unicode: '👍', emojiId: null }, guildId },
      });
      expect((await rowsOf(m)).map((r) => r.userId)).toEqual([other]);
    });

    it("another user's reaction: MANAGE_MESSAGES only", async () => {
      const m = await post(text);
      await h.ok(member, ADD, { c: text, m, e: THUMBS });
      expect(codeOf(await h.as(other, REMOVE, { c: text, m, e: THUMBS, u: member }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(outsider, REMOVE, { c: text, m, e: THUMBS, u: member }))).toBe('FORBIDDEN');
      expect(await rowsOf(m)).toHaveLength(1);
      expect(codeOf(await h.as(moderator, REMOVE, { c: text, m, e: THUMBS, u: 'x' }))).toBe('VALIDATION');
      expect(codeOf(await h.as(moderator, REMOVE, { c: text, m, e: THUMBS, u: member }))).toBe('OK');
      expect(await rowsOf(m)).toEqual([]);
      const [event] = await eventsOf('ReactionRemoved', m);
      expect(event?.data).toMatchObject({ actorId: moderator, userId: member });
    });

    it('removeAllReactions: MANAGE_MESSAGES removes one emoji or all, in one event each', async () => {
      const m = await post(text);
      for (const who of [member, other]) await h.ok(who, ADD, { c: text, m, e: THUMBS });
      await h.ok(member, ADD, { c: text, m, e: PARTY });
      expect(codeOf(await h.as(member, REMOVE_ALL, { c: text, m }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(owner, REMOVE_ALL, { c: text, m, e: { unicode: 'abc' } }))).toBe('VALIDATION');
      expect(await rowsOf(m)).toHaveLength(3);

      const one = await h.ok<{ removeAllReactions: { reactions: Reaction[] } }>(moderator, REMOVE_ALL, {
        c: text,
        m,
        e: THUMBS,
      });
      expect(one.removeAllReactions.reactions).toEqual([
        { emoji: { unicode: '🎉', emojiId: null }, count: 1, me: false },
      ]);
      await h.ok(owner, REMOVE_ALL, { c: text, m });
      expect(await rowsOf(m)).toEqual([]);
      // Nothing left: no event.
      await h.ok(owner, REMOVE_ALL, { c: text, m });
      const events = await eventsOf('ReactionRemoved', m);
      expect(events.map((e) => e.data)).toEqual([
        expect.objectContaining({
          actorId: moderator,
          userId: null,
          emoji: { unicode: '👍', emojiId: null },
        }),
        expect.objectContaining({ actorId: owner, userId: null, emoji: null }),
      ]);
    });
  });

  describe('reading reactions', () => {
    it('reactionUsers pages by user id for readers only', async () => {
      const m = await post(text);
      const reactors = [member, other, moderator, owner];
      for (const who of reactors) await h.ok(who, ADD, { c: text, m, e: THUMBS });
      const sorted = [...reactors].sort();
      const page = async (limit: number, after?: string) =>
        (await h.ok<Users>(member, USERS, { c: text, m, e: THUMBS, limit, after })).reactionUsers.map(
          (u) => u.id,
        );
      expect(await page(2)).toEqual(sorted.slice(0, 2));
      expect(await page(2, sorted[1])).toEqual(sorted.slice(2, 4));
      expect(await page(100, sorted[3])).toEqual([]);
      expect((await h.ok<Users>(member, USERS, { c: text, m, e: PARTY })).reactionUsers).toEqual([]);
      expect(codeOf(await h.as(member, USERS, { c: text, m, e: THUMBS, limit: 0 }))).toBe('VALIDATION');
      expect(codeOf(await h.as(member, USERS, { c: text, m, e: THUMBS, limit: 101 }))).toBe('VALIDATION');
      expect(codeOf(await h.as(member, USERS, { c: text, m, e: THUMBS, after: 'x' }))).toBe('VALIDATION');
      expect(codeOf(await h.as(outsider, USERS, { c: text, m, e: THUMBS }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(undefined, USERS, { c: text, m, e: THUMBS }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(member, USERS, { c: text, m: h.ids.next(), e: THUMBS }))).toBe('NOT_FOUND');
    });

    it('a router scope sees counts without `me`', async () => {
      const m = await post(text);
      await h.ok(member, ADD, { c: text, m, e: THUMBS });
      const scope = { kind: 'scope', scope: { channelId: text } } as const;
      const seen = (await h.ok<Read>(scope, READ, { c: text, m })).message.reactions;
      expect(seen).toEqual([thumbs(1, false)]);
    });

    it('a page of history gets each message its own reactions', async () => {
      const channel = await h.seed.channel(guildId);
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(await post(channel));
      await h.ok(member, ADD, { c: channel, m: ids[0], e: THUMBS });
      await h.ok(other, ADD, { c: channel, m: ids[2], e: PARTY });
      await h.ok(member, ADD, { c: channel, m: ids[2], e: PARTY });
      const page = (
        await h.ok<{ messages: { id: string; reactions: Reaction[] }[] }>(member, PAGE, { c: channel })
      ).messages;
      expect(Object.fromEntries(page.map((p) => [p.id, p.reactions]))).toEqual({
        [ids[0]!]: [thumbs(1, true)],
        [ids[1]!]: [],
        [ids[2]!]: [{ emoji: { unicode: '🎉', emojiId: null }, count: 2, me: true }],
      });
    });

    it('Message.reactions for 50 messages costs one store call', async () => {
      const channel = await h.seed.channel(guildId);
      const ids = await Promise.all(Array.from({ length: 50 }, () => post(channel)));
      await h.ok(member, ADD, { c: channel, m: ids[7], e: THUMBS });
      const store = createReactionsStore({
        db: h.db,
        ids: h.ids,
        timeline: createPostgresTimeline(h.db),
        kick() {},
      });
      const summaries = vi.spyOn(store, 'summaries');
      const ctx = {
        identity: { kind: 'user', userId: member },
        stores: { reactions: store },
      } as unknown as MessagesContext;
      const field = (
        resolvers.Message as {
          reactions: (m: object, a: object, c: MessagesContext) => Promise<ReactionRow[]>;
        }
      ).reactions;
      const lists = await Promise.all(ids.map((id) => field({ id, channelId: channel }, {}, ctx)));
      expect(summaries).toHaveBeenCalledTimes(1);
      expect(summaries.mock.calls[0]?.[0]).toHaveLength(50);
      expect(lists[7]).toEqual([{ unicode: '👍', emojiId: null, count: 1, me: true }]);
      expect(lists.filter((l) => l.length)).toHaveLength(1);
    });
  });

  if (name === 'postgres')
    describe('under concurrency (real PostgreSQL)', () => {
      it('20 users adding the same emoji at once: 20 rows, count 20, 20 events', async () => {
        const m = await post(text);
        const crowd = await Promise.all(Array.from({ length: 20 }, (_, i) => h.createUser(`fan ${i}`)));
        for (const u of crowd) await h.seed.member(guildId, u);
        const results = await Promise.all(crowd.map((u) => add(u, m, THUMBS)));
        expect(results.map(codeOf)).toEqual(crowd.map(() => 'OK'));
        expect(await rowsOf(m)).toHaveLength(20);
        expect(await read(owner, m)).toEqual([thumbs(20, false)]);
        expect(await eventsOf('ReactionAdded', m)).toHaveLength(20);
      });

      it('one user adding the same emoji 8 times at once: 1 row, 1 event', async () => {
        const m = await post(text);
        const results = await Promise.all(Array.from({ length: 8 }, () => add(member, m, THUMBS)));
        expect(results.map(codeOf)).toEqual(Array.from({ length: 8 }, () => 'OK'));
        expect(await rowsOf(m)).toHaveLength(1);
        expect(await eventsOf('ReactionAdded', m)).toHaveLength(1);
      });

      it(`${MAX_REACTION_EMOJI + 5} different emoji at once: exactly ${MAX_REACTION_EMOJI} get in`, async () => {
        const m = await post(text);
        const faces = Array.from({ length: MAX_REACTION_EMOJI + 5 }, (_, i) =>
          String.fromCodePoint(0x1f600 + i),
        );
        const codes = (await Promise.all(faces.map((f) => add(owner, m, { unicode: f })))).map(codeOf);
        expect(codes.filter((c) => c === 'OK')).toHaveLength(MAX_REACTION_EMOJI);
        expect(codes.filter((c) => c === 'LIMIT_REACHED')).toHaveLength(5);
        expect(await rowsOf(m)).toHaveLength(MAX_REACTION_EMOJI);
        expect(await eventsOf('ReactionAdded', m)).toHaveLength(MAX_REACTION_EMOJI);
      });
    });
});
