import { channelState, pins, threads } from '@gochat/drizzle';
import { createPostgresTimeline, NO_MENTIONS } from '@gochat/message-store';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases, type Caller } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import type { MessagesContext } from './resolvers/context.ts';
import { resolvers } from './resolvers/pins.ts';
import { createPinsStore, MAX_PINS } from './store/pins.ts';
import { openMessagesHarness } from './test-harness.ts';

const PIN = `mutation($c: ID!, $m: ID!) { pinMessage(channelId: $c, messageId: $m) { id pinned } }`;
const UNPIN = `mutation($c: ID!, $m: ID!) { unpinMessage(channelId: $c, messageId: $m) { id pinned } }`;
const READ = `query($c: ID!, $m: ID!) { message(channelId: $c, id: $m) { id pinned } }`;
const PINNED = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Channel { pinnedMessages { id pinned } } } }`;

type Pinned = { _entities: { pinnedMessages: { id: string; pinned: boolean }[] }[] };

const { MANAGE_MESSAGES, READ_MESSAGE_HISTORY } = PERMISSIONS;

await describeOnBothDatabases('pins', openMessagesHarness, (h, name) => {
  let owner: string, member: string, moderator: string, outsider: string;
  let guildId: string;

  beforeAll(async () => {
    owner = await h.createUser('owner');
    member = await h.createUser('member');
    moderator = await h.createUser('moderator');
    outsider = await h.createUser('outsider');
    guildId = await h.seed.guild(owner);
    for (const u of [member, moderator]) await h.seed.member(guildId, u);
    await h.seed.role(guildId, MANAGE_MESSAGES, [moderator]);
  });

  const timeline = () => createPostgresTimeline(h.db);
  /** A message written straight to the timeline (sending is another area's). */
  async function post(channelId: string, guild: string | null = guildId, parentChannelId = channelId) {
    const message = {
      id: h.ids.next(),
      channelId,
      parentChannelId,
      guildId: guild,
      authorId: owner,
      kind: 'default' as const,
      content: 'pin me',
      replyToId: null,
      mentions: NO_MENTIONS,
      attachments: [],
    };
    await h.db.transaction((tx) => timeline().stage(tx, 'seed', { op: 'insert', message }));
    return message.id;
  }
  /** Removes the message from the timeline only, as if its pin had outlived it. */
  const vanish = (channelId: string, id: string) =>
    h.db.transaction((tx) =>
      timeline().stage(tx, 'seed', {
        op: 'delete',
        channelId,
        ids: [id],
        deletedAt: new Date().toISOString(),
      }),
    );
  /** Pins written directly, oldest first, to reach a count quickly. */
  const seedPins = (c: string, messageIds: string[]) =>
    h.db
      .insert(pins)
      .values(messageIds.map((messageId) => ({ channelId: c, messageId, parentChannelId: c })));
  const pin = (who: Caller, c: string, m: string) => h.as(who, PIN, { c, m });
  const unpin = (who: Caller, c: string, m: string) => h.as(who, UNPIN, { c, m });
  const pinnedList = async (who: string, c: string) =>
    (
      await h.ok<Pinned>(who, PINNED, { reps: [{ __typename: 'Channel', id: c }] })
    )._entities[0]!.pinnedMessages.map((p) => p.id);
  const pinRows = (c: string) => h.db.select().from(pins).where(eq(pins.channelId, c));
  const pinCount = async (c: string) =>
    (await h.db.select().from(channelState).where(eq(channelState.channelId, c)))[0]?.pinCount;
  async function pinEvents(c: string) {
    await h.flush();
    return h.events.events.filter((e) => e.type === 'ChannelPinsUpdated' && e.data.channelId === c);
  }

  describe('pinMessage and unpinMessage', () => {
    it('MANAGE_MESSAGES holders pin and unpin; members, outsiders and anonymous callers are refused', async () => {
      const text = await h.seed.channel(guildId);
      const m = await post(text);
      expect(codeOf(await pin(member, text, m))).toBe('FORBIDDEN');
      expect(codeOf(await pin(outsider, text, m))).toBe('FORBIDDEN');
      expect(codeOf(await pin(undefined, text, m))).toBe('UNAUTHENTICATED');
      const scope = { kind: 'scope', scope: { channelId: text } } as const;
      expect(codeOf(await pin(scope, text, m))).toBe('UNAUTHENTICATED');
      expect(await pinRows(text)).toEqual([]);
      expect(await pinEvents(text)).toEqual([]);

      expect((await h.ok<{ pinMessage: object }>(moderator, PIN, { c: text, m })).pinMessage).toEqual({
        id: m,
        pinned: true,
      });
      expect((await h.ok<{ message: object }>(member, READ, { c: text, m })).message).toEqual({
        id: m,
        pinned: true,
      });
      expect(await pinRows(text)).toMatchObject([
        { messageId: m, pinnedBy: moderator, parentChannelId: text },
      ]);
      expect(await pinCount(text)).toBe(1);

      expect(codeOf(await unpin(member, text, m))).toBe('FORBIDDEN');
      expect(await pinRows(text)).toHaveLength(1);
      expect((await h.ok<{ unpinMessage: object }>(owner, UNPIN, { c: text, m })).unpinMessage).toEqual({
        id: m,
        pinned: false,
      });
      expect(await pinRows(text)).toEqual([]);
      expect(await pinCount(text)).toBe(0);

      const events = await pinEvents(text);
      expect(events.map((e) => ({ subject: e.subject, data: e.data }))).toEqual([
        {
          subject: `channel.${guildId}.${text}.messages`,
          data: {
            messageId: m,
            channelId: text,
            parentChannelId: text,
            guildId,
            actorId: moderator,
            pinned: true,
          },
        },
        {
          subject: `channel.${guildId}.${text}.messages`,
          data: {
            messageId: m,
            channelId: text,
            parentChannelId: text,
            guildId,
            actorId: owner,
            pinned: false,
          },
        },
      ]);
    });

    it('is idempotent: pinning twice or unpinning what is not pinned changes nothing and says nothing', async () => {
      const text = await h.seed.channel(guildId);
      const m = await post(text);
      expect(codeOf(await unpin(moderator, text, m))).toBe('OK');
      await h.ok(moderator, PIN, { c: text, m });
      expect(codeOf(await pin(moderator, text, m))).toBe('OK');
      expect(await pinRows(text)).toHaveLength(1);
      expect(await pinCount(text)).toBe(1);
      expect(await pinEvents(text)).toHaveLength(1);
    });

    it('refuses unknown, foreign and malformed message ids, and channels the moderator cannot read', async () => {
      const text = await h.seed.channel(guildId);
      const elsewhere = await h.seed.channel(guildId);
      const m = await post(text);
      expect(codeOf(await pin(moderator, text, h.ids.next()))).toBe('NOT_FOUND');
      expect(codeOf(await pin(moderator, elsewhere, m))).toBe('NOT_FOUND');
      expect(codeOf(await pin(moderator, text, 'x'))).toBe('VALIDATION');
      expect(codeOf(await pin(moderator, h.ids.next(), m))).toBe('NOT_FOUND');
      // MANAGE_MESSAGES without READ_MESSAGE_HISTORY: the message is not readable, so not pinnable.
      await h.seed.overwrite(text, 'member', moderator, 0n, READ_MESSAGE_HISTORY);
      expect(codeOf(await pin(moderator, text, m))).toBe('FORBIDDEN');
      expect(await pinRows(text)).toEqual([]);
      expect(await pinRows(elsewhere)).toEqual([]);
    });

    it('DMs and group DMs: every participant pins (nobody holds MANAGE_MESSAGES there); others cannot', async () => {
      const [a, b, c] = await Promise.all([h.createUser('a'), h.createUser('b'), h.createUser('c')]);
      const dm = await h.seed.dm(a, b);
      const m = await post(dm, null);
      expect(codeOf(await pin(owner, dm, m))).toBe('FORBIDDEN');
      await h.ok(b, PIN, { c: dm, m });
      await h.ok(a, UNPIN, { c: dm, m });
      const group = await h.seed.groupDm(a, [c]);
      const g = await post(group, null);
      await h.ok(c, PIN, { c: group, m: g });
      expect(codeOf(await pin(b, group, g))).toBe('FORBIDDEN');
      expect(await pinnedList(a, group)).toEqual([g]);
      const events = await pinEvents(dm);
      expect(events.map((e) => e.data)).toMatchObject([
        { actorId: b, pinned: true, guildId: null },
        { actorId: a, pinned: false, guildId: null },
      ]);
    });

    it("threads keep their own pins, by the parent channel's MANAGE_MESSAGES", async () => {
      const text = await h.seed.channel(guildId);
      const threadId = h.ids.next();
      await h.db.insert(threads).values({ id: threadId, parentId: text, guildId, name: 'thread' });
      const m = await post(threadId, guildId, text);
      expect(codeOf(await pin(member, threadId, m))).toBe('FORBIDDEN');
      await h.ok(moderator, PIN, { c: threadId, m });
      expect(await pinRows(threadId)).toMatchObject([{ messageId: m, parentChannelId: text }]);
      expect(await pinnedList(member, text)).toEqual([]);
      const [event] = await pinEvents(threadId);
      expect(event).toMatchObject({
        subject: `channel.${guildId}.${threadId}.messages`,
        data: { channelId: threadId, parentChannelId: text },
      });
    });
  });

  describe('the pin limit', () => {
    it(`holds at most ${MAX_PINS} pins per channel (LIMIT_REACHED); unpinning frees a place`, async () => {
      const text = await h.seed.channel(guildId);
      const ids = await Promise.all(Array.from({ length: MAX_PINS + 1 }, () => post(text)));
      await seedPins(text, ids.slice(0, MAX_PINS - 1));
      await h.ok(moderator, PIN, { c: text, m: ids[MAX_PINS - 1] });
      const last = ids[MAX_PINS]!;
      expect(codeOf(await pin(moderator, text, last))).toBe('LIMIT_REACHED');
      expect(await pinRows(text)).toHaveLength(MAX_PINS);
      // Pinning one that is pinned already is still fine at the limit.
      expect(codeOf(await pin(moderator, text, ids[0]!))).toBe('OK');
      await h.ok(moderator, UNPIN, { c: text, m: ids[0] });
      expect(codeOf(await pin(moderator, text, last))).toBe('OK');
      expect(await pinCount(text)).toBe(MAX_PINS);
      expect((await pinEvents(text)).map((e) => e.data.pinned)).toEqual([true, false, true]);
    });

    it('pins of messages deleted since do not take places, and are not listed', async () => {
      const text = await h.seed.channel(guildId);
      const ids = await Promise.all(Array.from({ length: MAX_PINS + 1 }, () => post(text)));
      await h.db
        .insert(pins)
        .values(
          ids.slice(0, MAX_PINS).map((messageId) => ({ channelId: text, messageId, parentChannelId: text })),
        );
      const gone = ids[3]!;
      await vanish(text, gone);
      const listed = await pinnedList(member, text);
      expect(listed).toHaveLength(MAX_PINS - 1);
      expect(listed).not.toContain(gone);
      expect(codeOf(await pin(moderator, text, ids[MAX_PINS]!))).toBe('OK');
      expect((await pinRows(text)).map((p) => p.messageId)).not.toContain(gone);
      expect(await pinRows(text)).toHaveLength(MAX_PINS);
    });
  });

  describe('reading pins', () => {
    it('Channel.pinnedMessages: most recently pinned first, readers only', async () => {
      const text = await h.seed.channel(guildId);
      const [first, second, third] = [await post(text), await post(text), await post(text)];
      for (const m of [second, first, third]) await h.ok(moderator, PIN, { c: text, m });
      expect(await pinnedList(member, text)).toEqual([third, first, second]);
      const list = await h.ok<Pinned>(member, PINNED, { reps: [{ __typename: 'Channel', id: text }] });
      expect(list._entities[0]!.pinnedMessages.every((p) => p.pinned)).toBe(true);
      const reps = [{ __typename: 'Channel', id: text }];
      expect(codeOf(await h.as(outsider, PINNED, { reps }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(undefined, PINNED, { reps }))).toBe('UNAUTHENTICATED');
      const hidden = await h.seed.channel(guildId);
      await h.seed.overwrite(hidden, 'role', guildId, 0n, READ_MESSAGE_HISTORY);
      expect(codeOf(await h.as(member, PINNED, { reps: [{ __typename: 'Channel', id: hidden }] }))).toBe(
        'FORBIDDEN',
      );
    });

    it('Message.pinned for 50 messages costs one store call', async () => {
      const text = await h.seed.channel(guildId);
      const ids = await Promise.all(Array.from({ length: 50 }, () => post(text)));
      await h.ok(moderator, PIN, { c: text, m: ids[9] });
      const store = createPinsStore({ db: h.db, ids: h.ids, timeline: timeline(), kick() {} });
      const pinnedAmong = vi.spyOn(store, 'pinnedAmong');
      const ctx = {
        identity: { kind: 'user', userId: member },
        stores: { pins: store },
      } as unknown as MessagesContext;
      const field = (
        resolvers.Message as { pinned: (m: object, a: object, c: MessagesContext) => Promise<boolean> }
      ).pinned;
      const flags = await Promise.all(ids.map((id) => field({ id, channelId: text }, {}, ctx)));
      expect(pinnedAmong).toHaveBeenCalledTimes(1);
      expect(flags.map((f, i) => (f ? i : -1)).filter((i) => i >= 0)).toEqual([9]);
    });
  });

  if (name === 'postgres')
    it('8 parallel pins at 47 pins: exactly 3 succeed (real PostgreSQL)', async () => {
      const text = await h.seed.channel(guildId);
      const ids = await Promise.all(Array.from({ length: 47 + 8 }, () => post(text)));
      await seedPins(text, ids.slice(0, 47));
      const codes = (await Promise.all(ids.slice(47).map((m) => pin(moderator, text, m)))).map(codeOf);
      expect(codes.filter((c) => c === 'OK')).toHaveLength(3);
      expect(codes.filter((c) => c === 'LIMIT_REACHED')).toHaveLength(5);
      expect(await pinRows(text)).toHaveLength(MAX_PINS);
      expect(await pinCount(text)).toBe(MAX_PINS);
      expect(await pinEvents(text)).toHaveLength(3);
    });
});
