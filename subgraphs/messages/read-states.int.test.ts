import {
  channelState,
  guildMembers,
  mentions,
  outboxEvents,
  readStates,
  threadMembers,
  threads,
  user,
} from '@gochat/drizzle';
import { createPostgresTimeline, NO_MENTIONS } from '@gochat/message-store';
import { PERMISSIONS, has } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';

import { permissionsIn } from './access.ts';
import { createAccessStore } from '@gochat/channel-access';
import { openMessagesHarness } from './test-harness.ts';

const ACK = `mutation($channelId: ID!, $messageId: ID!) {
  ackMessage(channelId: $channelId, messageId: $messageId) { channelId lastReadMessageId lastMessageId unread mentionCount } }`;
const UNREADS = `{ unreads {
  guilds { guildId unread mentionCount channels { channelId lastReadMessageId lastMessageId unread mentionCount } }
  directChannels { channelId lastReadMessageId lastMessageId unread mentionCount } } }`;
const SEEN_BY = `query($channelId: ID!, $messageId: ID!) { seenBy(channelId: $channelId, messageId: $messageId) { id } }`;

interface State {
  channelId: string;
  lastReadMessageId: string | null;
  lastMessageId: string | null;
  unread: boolean;
  mentionCount: number;
}
interface Unreads {
  unreads: {
    guilds: { guildId: string; unread: boolean; mentionCount: number; channels: State[] }[];
    directChannels: State[];
  };
}

const { VIEW_CHANNEL, ADMINISTRATOR } = PERMISSIONS;

type Mention = { type: 'user' | 'role' | 'everyone'; id?: string };

await describeOnBothDatabases('read states, unreads and seen by', openMessagesHarness, (h, database) => {
  /** Where a message goes: a channel (parent = itself) or a thread (parent = its channel). */
  interface Place {
    id: string;
    parent: string;
    guildId: string | null;
  }
  const channelPlace = (id: string, guildId: string | null): Place => ({ id, parent: id, guildId });

  /**
   * A message as the send path leaves it, written without sendMessage: the row through the timeline
   * port, the container's last message, and the mention rows.
   */
  async function post(place: Place, authorId: string, mentioned: Mention[] = []): Promise<string> {
    const id = h.ids.next();
    await h.db.transaction((tx) =>
      createPostgresTimeline(h.db).stage(tx, 'seed', {
        op: 'insert',
        message: {
          id,
          channelId: place.id,
          parentChannelId: place.parent,
          guildId: place.guildId,
          authorId,
          kind: 'default',
          content: 'seeded',
          replyToId: null,
          mentions: NO_MENTIONS,
          attachments: [],
        },
      }),
    );
    await h.db
      .insert(channelState)
      .values({
        channelId: place.id,
        parentChannelId: place.parent,
        guildId: place.guildId,
        lastMessageId: id,
      })
      .onConflictDoUpdate({ target: channelState.channelId, set: { lastMessageId: id } });
    if (mentioned.length)
      await h.db.insert(mentions).values(
        mentioned.map((m) => ({
          channelId: place.id,
          messageId: id,
          targetType: m.type,
          targetId: m.id ?? '',
          parentChannelId: place.parent,
        })),
      );
    return id;
  }

  async function thread(parent: string, guildId: string, ownerId: string, joined: string[]): Promise<Place> {
    const id = h.ids.next();
    await h.db.insert(threads).values({ id, parentId: parent, guildId, ownerId, name: `thread ${id}` });
    if (joined.length)
      await h.db.insert(threadMembers).values(joined.map((userId) => ({ threadId: id, userId })));
    return { id, parent, guildId };
  }

  const ack = (who: string | undefined, channelId: string, messageId: string) =>
    h.as<{ ackMessage: State }>(who, ACK, { channelId, messageId });
  const seenBy = async (who: string, channelId: string, messageId: string) =>
    (await h.ok<{ seenBy: { id: string }[] }>(who, SEEN_BY, { channelId, messageId })).seenBy.map(
      (u) => u.id,
    );
  const readEvents = async (userId: string) => {
    await h.flush();
    return h.events.events.filter((e) => e.type === 'ReadStateUpdated' && e.subject === `user.${userId}`);
  };
  const storedPosition = async (userId: string, channelId: string) =>
    (
      await h.db
        .select({ id: readStates.lastReadId })
        .from(readStates)
        .where(and(eq(readStates.userId, userId), eq(readStates.channelId, channelId)))
    )[0]?.id ?? null;

  let owner: string, member: string, outsider: string, guildId: string, text: string, place: Place;
  beforeAll(async () => {
    owner = await h.createUser('owner');
    member = await h.createUser('member');
    outsider = await h.createUser('outsider');
    guildId = await h.seed.guild(owner);
    await h.seed.member(guildId, member);
    text = await h.seed.channel(guildId);
    place = channelPlace(text, guildId);
  });

  describe('ackMessage', () => {
    it('moves the read position forward, never back, and tells the other devices only when it moved', async () => {
      const first = await post(place, owner);
      const second = await post(place, owner, [{ type: 'user', id: member }]);
      const third = await post(place, owner, [{ type: 'everyone' }]);
      const before = (await readEvents(member)).length;

      const acked = (await ack(member, text, second)).data?.ackMessage;
      expect(acked).toEqual({
        channelId: text,
        lastReadMessageId: second,
        lastMessageId: third,
        unread: true,
        mentionCount: 1, // the @everyone after the read position; the direct mention is read
      });
      const back = (await ack(member, text, first)).data?.ackMessage;
      expect(back).toMatchObject({ lastReadMessageId: second, unread: true, mentionCount: 1 });
      expect(await storedPosition(member, text)).toBe(second);
      const again = (await ack(member, text, second)).data?.ackMessage;
      expect(again).toMatchObject({ lastReadMessageId: second });
      expect((await ack(member, text, third)).data?.ackMessage).toMatchObject({
        lastReadMessageId: third,
        lastMessageId: third,
        unread: false,
        mentionCount: 0,
      });

      // Two moves, two events; the backward and repeated acks published nothing.
      const events = (await readEvents(member)).slice(before);
      expect(events.map((e) => e.data)).toEqual([
        { userId: member, channelId: text, lastReadMessageId: second, mentionCount: 1 },
        { userId: member, channelId: text, lastReadMessageId: third, mentionCount: 0 },
      ]);
    });

    it('the event is committed with the ack in the outbox and published from it', async () => {
      const id = await post(place, member);
      expect(codeOf(await ack(owner, text, id))).toBe('OK');
      const [row] = await h.db
        .select()
        .from(outboxEvents)
        .where(
          and(
            eq(outboxEvents.type, 'ReadStateUpdated'),
            sql`${outboxEvents.data}->>'lastReadMessageId' = ${id}`,
          ),
        );
      expect(row).toMatchObject({ subject: `user.${owner}` });
      const published = (await readEvents(owner)).find((e) => e.id === row?.id);
      expect(published?.data).toEqual({
        userId: owner,
        channelId: text,
        lastReadMessageId: id,
        mentionCount: 0,
      });
    });

    it('acking a message of another channel, or an unknown one, is NOT_FOUND and writes nothing', async () => {
      const elsewhere = await h.seed.channel(guildId);
      const id = await post(place, owner);
      const before = h.events.events.length;
      expect(codeOf(await ack(member, elsewhere, id))).toBe('NOT_FOUND');
      expect(codeOf(await ack(member, text, '123456789012345'))).toBe('NOT_FOUND');
      expect(codeOf(await ack(member, text, 'abc'))).toBe('VALIDATION');
      expect(await storedPosition(member, elsewhere)).toBeNull();
      await h.flush();
      expect(h.events.events.length).toBe(before);
    });

    it('only readers ack: outsiders, hidden channels and non-participants are FORBIDDEN; anonymous UNAUTHENTICATED', async () => {
      const id = await post(place, owner);
      expect(codeOf(await ack(outsider, text, id))).toBe('FORBIDDEN');
      expect(codeOf(await ack(undefined, text, id))).toBe('UNAUTHENTICATED');
      const scope = { kind: 'scope', scope: { channelId: text } } as const;
      expect(codeOf(await h.as(scope, ACK, { channelId: text, messageId: id }))).toBe('UNAUTHENTICATED');

      const hidden = await h.seed.channel(guildId);
      await h.seed.overwrite(hidden, 'role', guildId, 0n, VIEW_CHANNEL);
      const secret = await post(channelPlace(hidden, guildId), owner);
      expect(codeOf(await ack(member, hidden, secret))).toBe('FORBIDDEN');
      expect(codeOf(await ack(owner, hidden, secret))).toBe('OK');

      const dm = await h.seed.dm(owner, outsider);
      const whisper = await post(channelPlace(dm, null), outsider);
      expect(codeOf(await ack(member, dm, whisper))).toBe('FORBIDDEN');
      expect((await ack(owner, dm, whisper)).data?.ackMessage).toMatchObject({ unread: false });
      expect(await storedPosition(member, hidden)).toBeNull();
      expect(await storedPosition(member, dm)).toBeNull();
    });

    if (database === 'postgres')
      it('parallel acks keep the furthest position, with one event per move', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 8; i++) ids.push(await post(place, owner));
        const reader = await h.createUser('reader');
        await h.seed.member(guildId, reader);
        const results = await Promise.all([...ids].reverse().map((id) => ack(reader, text, id)));
        expect(results.map(codeOf)).toEqual(ids.map(() => 'OK'));
        expect(await storedPosition(reader, text)).toBe(ids.at(-1));
        const events = await readEvents(reader);
        expect(events.length).toBeGreaterThanOrEqual(1);
        expect(events.length).toBeLessThanOrEqual(ids.length);
        // Each event announces a move forward: their positions strictly grow in commit order.
        const positions = events.map((e) =>
          BigInt((e.data as { lastReadMessageId: string }).lastReadMessageId),
        );
        expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(new Set(positions).size).toBe(positions.length);
        expect(positions.at(-1)).toBe(BigInt(ids.at(-1) ?? 0));
      });

    it('acks in a thread keep their own position; readers of the parent channel may ack', async () => {
      const t = await thread(text, guildId, owner, []);
      const id = await post(t, owner, [{ type: 'user', id: member }]);
      expect((await ack(member, t.id, id)).data?.ackMessage).toMatchObject({
        channelId: t.id,
        lastReadMessageId: id,
        unread: false,
      });
      expect(codeOf(await ack(outsider, t.id, id))).toBe('FORBIDDEN');
      expect(codeOf(await ack(member, text, id))).toBe('NOT_FOUND'); // in the thread, not the channel
    });
  });

  describe('unreads', () => {
    it('lists every guild with its viewable channels and joined threads, and the DMs, with mention counts', async () => {
      const viewer = await h.createUser('viewer');
      const friend = await h.createUser('friend');
      const [g1, g2, g3] = [await h.seed.guild(owner), await h.seed.guild(owner), await h.seed.guild(owner)];
      const notMine = await h.seed.guild(owner);
      for (const g of [g1, g2, g3]) await h.seed.member(g, viewer);
      const mods = await h.seed.role(g2, 0n, [viewer]);
      const others = await h.seed.role(g2, 0n, [owner]);

      // g1: an unread channel with a direct mention, a hidden one, an empty one, a fully read one.
      const general = channelPlace(await h.seed.channel(g1), g1);
      const hidden = channelPlace(await h.seed.channel(g1), g1);
      await h.seed.overwrite(hidden.id, 'role', g1, 0n, VIEW_CHANNEL);
      const empty = await h.seed.channel(g1);
      const read = channelPlace(await h.seed.channel(g1), g1);
      await h.seed.channel(g1, 'voice');
      await post(general, owner, [{ type: 'user', id: viewer }]);
      const g1b = await post(general, owner, [{ type: 'user', id: friend }]);
      await post(hidden, owner, [{ type: 'everyone' }, { type: 'user', id: viewer }]);
      const readLast = await post(read, owner, [{ type: 'user', id: viewer }]);
      expect(codeOf(await ack(viewer, read.id, readLast))).toBe('OK');

      // g2: role and @everyone mentions after the read position count; before it, and other roles', do not.
      const lounge = channelPlace(await h.seed.channel(g2), g2);
      await post(lounge, owner, [{ type: 'role', id: mods }]);
      const seen = await post(lounge, owner, [{ type: 'everyone' }]);
      expect(codeOf(await ack(viewer, lounge.id, seen))).toBe('OK');
      await post(lounge, owner, [{ type: 'role', id: mods }]);
      await post(lounge, owner, [{ type: 'role', id: others }]);
      // A message mentioning by role and @everyone at once counts once.
      const loungeLast = await post(lounge, owner, [{ type: 'everyone' }, { type: 'role', id: mods }]);
      // Threads: a joined one with an unread message counts; one not joined is left out.
      const joined = await thread(lounge.id, g2, owner, [viewer]);
      const threadMessage = await post(joined, owner, [{ type: 'user', id: viewer }]);
      const notJoined = await thread(lounge.id, g2, owner, [owner]);
      await post(notJoined, owner, [{ type: 'everyone' }]);
      // A joined thread under a channel the viewer cannot see is left out too.
      const staff = channelPlace(await h.seed.channel(g2), g2);
      await h.seed.overwrite(staff.id, 'member', viewer, 0n, VIEW_CHANNEL);
      const staffThread = await thread(staff.id, g2, owner, [viewer]);
      await post(staffThread, owner, [{ type: 'user', id: viewer }]);

      // notMine: activity in a guild the viewer is not in never shows.
      await post(channelPlace(await h.seed.channel(notMine), notMine), owner, [{ type: 'everyone' }]);

      // DMs: one unread with a mention, a group DM read, a DM of others left out.
      const dm = channelPlace(await h.seed.dm(viewer, friend), null);
      const dmLast = await post(dm, friend, [{ type: 'user', id: viewer }]);
      const group = channelPlace(await h.seed.groupDm(friend, [viewer, owner]), null);
      const groupLast = await post(group, viewer);
      expect(codeOf(await ack(viewer, group.id, groupLast))).toBe('OK');
      await post(channelPlace(await h.seed.dm(owner, friend), null), owner);

      const { unreads } = await h.ok<Unreads>(viewer, UNREADS);
      const state = (
        channelId: string,
        lastMessageId: string | null,
        lastReadMessageId: string | null,
        mentionCount = 0,
      ): State => ({
        channelId,
        lastReadMessageId,
        lastMessageId,
        unread: lastMessageId !== null && lastMessageId !== lastReadMessageId,
        mentionCount,
      });
      const [first, second, third] = [g1, g2, g3].sort((a, b) => a.length - b.length || a.localeCompare(b));
      expect(unreads.guilds.map((g) => g.guildId)).toEqual([first, second, third]);
      const byGuild = new Map(unreads.guilds.map((g) => [g.guildId, g]));
      expect(byGuild.get(g1)).toEqual({
        guildId: g1,
        unread: true,
        mentionCount: 1,
        channels: [
          state(general.id, g1b, null, 1),
          state(empty, null, null),
          state(read.id, readLast, readLast),
        ],
      });
      expect(byGuild.get(g1)?.channels.find((c) => c.channelId === empty)?.unread).toBe(false);
      expect(byGuild.get(g2)).toEqual({
        guildId: g2,
        unread: true,
        mentionCount: 3,
        channels: [state(lounge.id, loungeLast, seen, 2), state(joined.id, threadMessage, null, 1)],
      });
      expect(byGuild.get(g3)).toEqual({ guildId: g3, unread: false, mentionCount: 0, channels: [] });
      expect(unreads.directChannels).toHaveLength(2);
      expect(unreads.directChannels).toEqual(
        expect.arrayContaining([state(dm.id, dmLast, null, 1), state(group.id, groupLast, groupLast)]),
      );
      // Most recent conversation first.
      expect(unreads.directChannels[0]?.channelId).toBe(group.id);

      // Reading catches up: acking the newest message clears the channel and the guild's summary.
      expect(codeOf(await ack(viewer, general.id, g1b))).toBe('OK');
      const after = (await h.ok<Unreads>(viewer, UNREADS)).unreads.guilds.find((g) => g.guildId === g1);
      expect(after).toMatchObject({ unread: false, mentionCount: 0 });
    });

    it('follows permissions: the owner and administrators see hidden channels; a timeout still views', async () => {
      const boss = await h.createUser('boss');
      const admin = await h.createUser('admin');
      const muted = await h.createUser('muted');
      const g = await h.seed.guild(boss);
      await h.seed.member(g, admin);
      await h.seed.member(g, muted, new Date(Date.now() + 3_600_000));
      await h.seed.role(g, ADMINISTRATOR, [admin]);
      const secret = channelPlace(await h.seed.channel(g), g);
      await h.seed.overwrite(secret.id, 'role', g, 0n, VIEW_CHANNEL);
      const open = channelPlace(await h.seed.channel(g), g);
      await post(secret, muted);
      await post(open, boss, [{ type: 'everyone' }]);
      const channelsOf = async (who: string) =>
        (await h.ok<Unreads>(who, UNREADS)).unreads.guilds
          .find((x) => x.guildId === g)
          ?.channels.map((c) => c.channelId);
      expect(await channelsOf(boss)).toEqual([secret.id, open.id]);
      expect(await channelsOf(admin)).toEqual([secret.id, open.id]);
      expect(await channelsOf(muted)).toEqual([open.id]);
      expect(
        (await h.ok<Unreads>(muted, UNREADS)).unreads.guilds.find((x) => x.guildId === g)?.mentionCount,
      ).toBe(1);
    });

    it('is for signed-in users only', async () => {
      expect(codeOf(await h.as(undefined, UNREADS))).toBe('UNAUTHENTICATED');
      const scope = { kind: 'scope', scope: { channelId: text } } as const;
      expect(codeOf(await h.as(scope, UNREADS))).toBe('UNAUTHENTICATED');
      const loner = await h.createUser('loner');
      expect((await h.ok<Unreads>(loner, UNREADS)).unreads).toEqual({ guilds: [], directChannels: [] });
    });
  });

  describe('seenBy', () => {
    it('lists the viewers whose read position is at or past the message, by user id', async () => {
      const [a, b, c] = [await h.createUser('a'), await h.createUser('b'), await h.createUser('c')];
      const g = await h.seed.guild(owner);
      for (const u of [a, b, c]) await h.seed.member(g, u);
      const room = channelPlace(await h.seed.channel(g), g);
      const m1 = await post(room, a);
      const m2 = await post(room, b);
      const m3 = await post(room, c);
      // The send path advances authors' positions; here the acks do.
      for (const [who, at] of [
        [a, m1],
        [b, m2],
        [c, m3],
        [owner, m3],
      ] as const)
        expect(codeOf(await ack(who, room.id, at))).toBe('OK');
      const sorted = (ids: string[]) => [...ids].sort((x, y) => x.length - y.length || x.localeCompare(y));
      expect(await seenBy(a, room.id, m1)).toEqual(sorted([owner, a, b, c]));
      expect(await seenBy(a, room.id, m2)).toEqual(sorted([owner, b, c]));
      expect(await seenBy(a, room.id, m3)).toEqual(sorted([owner, c]));

      // Someone who can no longer view the channel drops out although their read state remains.
      await h.seed.overwrite(room.id, 'member', c, 0n, VIEW_CHANNEL);
      expect(await seenBy(a, room.id, m3)).toEqual([owner]);
      expect(codeOf(await h.as(c, SEEN_BY, { channelId: room.id, messageId: m3 }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(outsider, SEEN_BY, { channelId: room.id, messageId: m3 }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(undefined, SEEN_BY, { channelId: room.id, messageId: m3 }))).toBe(
        'UNAUTHENTICATED',
      );
      expect(codeOf(await h.as(owner, SEEN_BY, { channelId: text, messageId: m3 }))).toBe('NOT_FOUND');
    });

    describe('lists exactly the members channelPermissions lets view the channel', () => {
      let g: string, quiet: string, seers: string;
      let plain: string, staffer: string, admin: string, denied: string, allowed: string, muted: string;
      let both: string, roleDenied: string, seer: string, other: string;
      let staff: string, banned: string;
      beforeAll(async () => {
        const make = (name: string) => h.createUser(name);
        [plain, staffer, admin, denied, allowed] = [
          await make('plain'),
          await make('staffer'),
          await make('admin'),
          await make('denied'),
          await make('allowed'),
        ];
        [muted, both, roleDenied, seer, other] = [
          await make('muted'),
          await make('both'),
          await make('roleDenied'),
          await make('seer'),
          await make('other'),
        ];
        g = await h.seed.guild(owner);
        for (const u of [plain, staffer, admin, denied, allowed, both, roleDenied]) await h.seed.member(g, u);
        await h.seed.member(g, muted, new Date(Date.now() + 3_600_000));
        staff = await h.seed.role(g, 0n, [staffer, both, denied]);
        banned = await h.seed.role(g, 0n, [roleDenied, both]);
        await h.seed.role(g, ADMINISTRATOR, [admin]);
        // A guild where @everyone holds nothing and a role grants VIEW_CHANNEL guild-wide.
        quiet = await h.seed.guild(owner, 0n);
        for (const u of [seer, other]) await h.seed.member(quiet, u);
        seers = await h.seed.role(quiet, VIEW_CHANNEL, [seer]);
      });

      /** seenBy (everyone has read the message) equals the members channelPermissions lets view. */
      async function viewersMatch(room: Place, members: string[]): Promise<string[]> {
        const id = await post(room, owner);
        await h.db
          .insert(readStates)
          .values(
            members.map((u) => ({ userId: u, channelId: room.id, parentChannelId: room.id, lastReadId: id })),
          );
        const access = createAccessStore(h.db);
        const viewers: string[] = [];
        for (const u of members) {
          const facts = await access.channelAccess(room.id, u);
          if (facts && has(permissionsIn(facts, u), VIEW_CHANNEL)) viewers.push(u);
        }
        viewers.sort((x, y) => x.length - y.length || x.localeCompare(y));
        expect(await seenBy(owner, room.id, id)).toEqual(viewers);
        return viewers;
      }
      const everyone = () => [owner, plain, staffer, admin, denied, allowed, muted, both, roleDenied];

      it('a private channel: role and member allows, a member deny beating a role allow', async () => {
        const room = channelPlace(await h.seed.channel(g), g);
        await h.seed.overwrite(room.id, 'role', g, 0n, VIEW_CHANNEL);
        await h.seed.overwrite(room.id, 'role', staff, VIEW_CHANNEL, 0n);
        // Allow wins within the roles layer: `both` holds staff (allow) and banned (deny).
        await h.seed.overwrite(room.id, 'role', banned, 0n, VIEW_CHANNEL);
        await h.seed.overwrite(room.id, 'member', allowed, VIEW_CHANNEL, 0n);
        await h.seed.overwrite(room.id, 'member', denied, 0n, VIEW_CHANNEL);
        const viewers = await viewersMatch(room, everyone());
        expect(new Set(viewers)).toEqual(new Set([owner, staffer, admin, allowed, both]));
      });

      it('a public channel: a role deny and a member deny; a timeout keeps the view', async () => {
        const room = channelPlace(await h.seed.channel(g), g);
        await h.seed.overwrite(room.id, 'role', banned, 0n, VIEW_CHANNEL);
        await h.seed.overwrite(room.id, 'member', allowed, 0n, VIEW_CHANNEL);
        const viewers = await viewersMatch(room, everyone());
        expect(new Set(viewers)).toEqual(new Set([owner, plain, staffer, admin, denied, muted]));
      });

      it('a role granting VIEW_CHANNEL guild-wide, undone by an @everyone deny, restored by its own allow', async () => {
        const open = channelPlace(await h.seed.channel(quiet), quiet);
        expect(new Set(await viewersMatch(open, [owner, seer, other]))).toEqual(new Set([owner, seer]));
        const closed = channelPlace(await h.seed.channel(quiet), quiet);
        await h.seed.overwrite(closed.id, 'role', quiet, 0n, VIEW_CHANNEL);
        expect(await viewersMatch(closed, [owner, seer, other])).toEqual([owner]);
        const reopened = channelPlace(await h.seed.channel(quiet), quiet);
        await h.seed.overwrite(reopened.id, 'role', quiet, 0n, VIEW_CHANNEL);
        await h.seed.overwrite(reopened.id, 'role', seers, VIEW_CHANNEL, 0n);
        expect(new Set(await viewersMatch(reopened, [owner, seer, other]))).toEqual(new Set([owner, seer]));
      });
    });

    it('DMs list participants; threads use their parent channel viewers and their own positions', async () => {
      const [a, b, c] = [await h.createUser('a'), await h.createUser('b'), await h.createUser('c')];
      const group = channelPlace(await h.seed.groupDm(a, [b, c]), null);
      const hi = await post(group, a);
      await ack(a, group.id, hi);
      await ack(b, group.id, hi);
      expect(await seenBy(c, group.id, hi)).toEqual(
        [a, b].sort((x, y) => x.length - y.length || x.localeCompare(y)),
      );
      expect(codeOf(await h.as(outsider, SEEN_BY, { channelId: group.id, messageId: hi }))).toBe('FORBIDDEN');

      const t = await thread(text, guildId, owner, []);
      const inThread = await post(t, owner);
      await ack(member, t.id, inThread);
      await ack(owner, text, await post(place, owner)); // a position in the parent channel is not one in the thread
      expect(await seenBy(owner, t.id, inThread)).toEqual([member]);
      expect(codeOf(await h.as(outsider, SEEN_BY, { channelId: t.id, messageId: inThread }))).toBe(
        'FORBIDDEN',
      );
    });

    it('is LIMIT_REACHED in a channel more than 100 members can view', async () => {
      const g = await h.seed.guild(owner);
      const ids = Array.from({ length: 100 }, () => h.ids.next());
      await h.db
        .insert(user)
        .values(ids.map((id) => ({ id, name: id, email: `${id}@crowd.test`, emailVerified: true })));
      await h.db.insert(guildMembers).values(ids.map((userId) => ({ guildId: g, userId })));
      const crowded = channelPlace(await h.seed.channel(g), g);
      const id = await post(crowded, owner);
      // 101 viewers (100 + the owner).
      const refused = await h.as(owner, SEEN_BY, { channelId: crowded.id, messageId: id });
      expect(codeOf(refused)).toBe('LIMIT_REACHED');
      // A channel of that guild that only 100 of them can view is fine.
      const smaller = channelPlace(await h.seed.channel(g), g);
      await h.seed.overwrite(smaller.id, 'member', ids[0] ?? '', 0n, VIEW_CHANNEL);
      const other = await post(smaller, owner);
      await ack(owner, smaller.id, other);
      expect(await seenBy(owner, smaller.id, other)).toEqual([owner]);
    });
  });
});
