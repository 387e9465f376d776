import { blocks, channelRecipients, channels, directPairs, messages, user } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { directResolvers } from './resolvers/direct.ts';
import { openGuildsHarness } from './test-harness.ts';

const messageIds = createSnowflakeGenerator(42);

const CHANNEL = 'id name recipients { id } owner { id }';
const OPEN = `mutation($userId: ID!) { openDirectMessage(userId: $userId) { ${CHANNEL} } }`;
const CREATE = `mutation($userIds: [ID!]!, $name: String) { createGroupDm(userIds: $userIds, name: $name) { ${CHANNEL} } }`;
const ADD = `mutation($channelId: ID!, $userId: ID!) { addGroupDmRecipient(channelId: $channelId, userId: $userId) { ${CHANNEL} } }`;
const REMOVE = `mutation($channelId: ID!, $userId: ID!) { removeGroupDmRecipient(channelId: $channelId, userId: $userId) { ${CHANNEL} } }`;
const LEAVE = `mutation($channelId: ID!) { leaveGroupDm(channelId: $channelId) }`;
const MINE = `{ myDirectChannels { ${CHANNEL} } }`;

interface ChannelData {
  id: string;
  name: string | null;
  recipients: { id: string }[];
  owner: { id: string } | null;
}
type Open = { openDirectMessage: ChannelData };
type Create = { createGroupDm: ChannelData };
type Add = { addGroupDmRecipient: ChannelData };
type Remove = { removeGroupDmRecipient: ChannelData };
type Mine = { myDirectChannels: ChannelData[] };

const ids = (list: { id: string }[]) => list.map((u) => u.id).sort();
const sorted = (list: string[]) => [...list].sort();

await describeOnBothDatabases('DMs and group DMs', openGuildsHarness, (h) => {
  /** Events of one type about one channel, after everything committed was published. */
  async function eventsFor(type: string, channelId: string) {
    await h.flush();
    return h.events.events.filter(
      (e) => e.type === type && (e.data as { channelId?: string }).channelId === channelId,
    );
  }
  const block = (blockerId: string, blockedId: string) =>
    h.db.insert(blocks).values({ blockerId, blockedId });
  const openDm = async (who: string | undefined, userId: string | undefined) =>
    (await h.ok<Open>(who, OPEN, { userId })).openDirectMessage;
  const createGroup = async (owner: string | undefined, userIds: (string | undefined)[], name?: string) =>
    (await h.ok<Create>(owner, CREATE, { userIds, name })).createGroupDm;
  const channelsOf = (userId: string) =>
    h.db
      .select({ id: channels.id })
      .from(channelRecipients)
      .innerJoin(channels, eq(channels.id, channelRecipients.channelId))
      .where(eq(channelRecipients.userId, userId));
  const recipientsOf = (channelId: string) =>
    h.db.select().from(channelRecipients).where(eq(channelRecipients.channelId, channelId));
  /** The users' event subjects, sorted. */
  const subjectsOf = (...users: (string | undefined)[]) => sorted(users.map((u) => `user.${u}`));

  describe('openDirectMessage', () => {
    it('creates the DM once, for both users, and tells both', async () => {
      const [alice, bob] = await h.seed.users(2);
      const first = await openDm(alice, bob);
      expect(ids(first.recipients)).toEqual(sorted([alice!, bob!]));
      expect(first.owner).toBeNull();
      expect(first.name).toBeNull();
      const [row] = await h.db.select().from(channels).where(eq(channels.id, first.id));
      expect(row).toMatchObject({ kind: 'dm', guildId: null, ownerId: null });

      // Either side, any number of times: the same channel, and no second event.
      const again = await openDm(bob, alice);
      expect(again.id).toBe(first.id);
      const created = await eventsFor('DirectChannelCreated', first.id);
      expect(created.map((e) => e.subject).sort()).toEqual(subjectsOf(alice, bob));
      expect(created[0]!.data).toMatchObject({ kind: 'dm', recipientIds: sorted([alice!, bob!]) });
    });

    it('refuses anonymous callers, bad ids, unknown users and yourself', async () => {
      const [alice, bob] = await h.seed.users(2);
      expect(codeOf(await h.as(undefined, OPEN, { userId: bob }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(alice, OPEN, { userId: 'nope' }))).toBe('VALIDATION');
      expect(codeOf(await h.as(alice, OPEN, { userId: '123456789012345' }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(alice, OPEN, { userId: alice }))).toBe('VALIDATION');
    });

    it('is NOT_FOUND with a deleted account, for a DM and a group DM alike', async () => {
      const [alice, bob, carol] = await h.seed.users(3);
      await h.db.update(user).set({ deletedAt: new Date() }).where(eq(user.id, bob!));
      expect(codeOf(await h.as(alice, OPEN, { userId: bob }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(alice, CREATE, { userIds: [bob, carol] }))).toBe('NOT_FOUND');
      const group = await createGroup(alice, [carol]);
      expect(codeOf(await h.as(alice, ADD, { channelId: group.id, userId: bob }))).toBe('NOT_FOUND');
    });

    it('is FORBIDDEN when either user blocked the other, even for an existing DM', async () => {
      const [alice, bob, carol] = await h.seed.users(3);
      const existing = await openDm(alice, bob);
      await block(bob!, alice!);
      expect(codeOf(await h.as(alice, OPEN, { userId: bob }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(bob, OPEN, { userId: alice }))).toBe('FORBIDDEN');
      await block(alice!, carol!);
      expect(codeOf(await h.as(carol, OPEN, { userId: alice }))).toBe('FORBIDDEN');
      const pairs = await h.db.select().from(directPairs).where(eq(directPairs.channelId, existing.id));
      expect(pairs).toHaveLength(1);
    });

    it('agrees on one channel when both users open it at the same time', async () => {
      const [alice, bob] = await h.seed.users(2);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          h.ok<Open>(i % 2 ? alice : bob, OPEN, { userId: i % 2 ? bob : alice }),
        ),
      );
      const channelIds = new Set(results.map((r) => r.openDirectMessage.id));
      expect(channelIds.size).toBe(1);
      const [channelId] = [...channelIds];
      const dmsOfAlice = await h.db
        .select({ id: channels.id })
        .from(channelRecipients)
        .innerJoin(channels, eq(channels.id, channelRecipients.channelId))
        .where(and(eq(channelRecipients.userId, alice!), eq(channels.kind, 'dm')));
      expect(dmsOfAlice.map((r) => r.id)).toEqual([channelId]);
      expect(await eventsFor('DirectChannelCreated', channelId!)).toHaveLength(2);
    });
  });

  describe('createGroupDm', () => {
    it('creates a group owned by the caller with everyone in it, and tells each participant', async () => {
      const [owner, a, b] = await h.seed.users(3);
      const group = await createGroup(owner, [a, b], '  Trip  ');
      expect(group.name).toBe('Trip');
      expect(group.owner).toEqual({ id: owner });
      expect(ids(group.recipients)).toEqual(sorted([owner!, a!, b!]));
      const [row] = await h.db.select().from(channels).where(eq(channels.id, group.id));
      expect(row).toMatchObject({ kind: 'group_dm', guildId: null, ownerId: owner });
      const created = await eventsFor('DirectChannelCreated', group.id);
      expect(created.map((e) => e.subject).sort()).toEqual(subjectsOf(owner, a, b));
      expect(created[0]!.data).toMatchObject({ kind: 'group_dm' });
      expect(sorted((created[0]!.data as { recipientIds: string[] }).recipientIds)).toEqual(
        sorted([owner!, a!, b!]),
      );
    });

    it('takes up to 9 others (10 in all), and refuses more with LIMIT_REACHED', async () => {
      const [owner, ...others] = await h.seed.users(11);
      const full = await createGroup(owner, others.slice(0, 9));
      expect(full.recipients).toHaveLength(10);
      expect(full.name).toBeNull();
      expect(codeOf(await h.as(owner, CREATE, { userIds: others }))).toBe('LIMIT_REACHED');
    });

    it('refuses bad input, unknown users and blocked users, writing nothing', async () => {
      const [owner, a, b, blocker] = await h.seed.users(4);
      const before = await channelsOf(owner!);
      expect(codeOf(await h.as(undefined, CREATE, { userIds: [a] }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(owner, CREATE, { userIds: [] }))).toBe('VALIDATION');
      expect(codeOf(await h.as(owner, CREATE, { userIds: [a, a] }))).toBe('VALIDATION');
      expect(codeOf(await h.as(owner, CREATE, { userIds: [a, owner] }))).toBe('VALIDATION');
      expect(codeOf(await h.as(owner, CREATE, { userIds: ['x'] }))).toBe('VALIDATION');
      expect(codeOf(await h.as(owner, CREATE, { userIds: [a], name: 'n'.repeat(101) }))).toBe('VALIDATION');
      expect(codeOf(await h.as(owner, CREATE, { userIds: [a, '123456789012345'] }))).toBe('NOT_FOUND');
      await block(blocker!, owner!);
      expect(codeOf(await h.as(owner, CREATE, { userIds: [a, blocker] }))).toBe('FORBIDDEN');
      await block(owner!, b!);
      expect(codeOf(await h.as(owner, CREATE, { userIds: [a, b] }))).toBe('FORBIDDEN');
      const after = await channelsOf(owner!);
      expect(after).toEqual(before);
    });
  });

  describe('addGroupDmRecipient', () => {
    it('lets the owner add a user and tells every participant', async () => {
      const [owner, a, b] = await h.seed.users(3);
      const group = await createGroup(owner, [a]);
      const added = (await h.ok<Add>(owner, ADD, { channelId: group.id, userId: b })).addGroupDmRecipient;
      expect(ids(added.recipients)).toEqual(sorted([owner!, a!, b!]));
      const events = await eventsFor('DirectChannelUpdated', group.id);
      expect(events.map((e) => e.subject).sort()).toEqual(subjectsOf(owner, a, b));
      expect(events[0]!.data).toMatchObject({ actorId: owner, ownerId: owner });

      // Idempotent: adding a participant again changes and publishes nothing.
      const again = (await h.ok<Add>(owner, ADD, { channelId: group.id, userId: b })).addGroupDmRecipient;
      expect(again.recipients).toHaveLength(3);
      expect(await eventsFor('DirectChannelUpdated', group.id)).toHaveLength(3);
    });

    it('refuses everyone but the owner', async () => {
      const [owner, a, outsider, c] = await h.seed.users(4);
      const group = await createGroup(owner, [a]);
      expect(codeOf(await h.as(undefined, ADD, { channelId: group.id, userId: c }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(a, ADD, { channelId: group.id, userId: c }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(outsider, ADD, { channelId: group.id, userId: c }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(owner, ADD, { channelId: '123456789012345', userId: c }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(owner, ADD, { channelId: 'x', userId: c }))).toBe('VALIDATION');
      expect(await recipientsOf(group.id)).toHaveLength(2);
    });

    it('refuses unknown users, blocks with the owner, 1:1 DMs and an 11th participant', async () => {
      const [owner, a, blocked, ...more] = await h.seed.users(12);
      const group = await createGroup(owner, [a]);
      expect(codeOf(await h.as(owner, ADD, { channelId: group.id, userId: '123456789012345' }))).toBe(
        'NOT_FOUND',
      );
      await block(blocked!, owner!);
      expect(codeOf(await h.as(owner, ADD, { channelId: group.id, userId: blocked }))).toBe('FORBIDDEN');
      const dm = await openDm(owner, a);
      expect(codeOf(await h.as(owner, ADD, { channelId: dm.id, userId: more[0] }))).toBe('VALIDATION');
      for (const u of more.slice(0, 8)) await h.ok(owner, ADD, { channelId: group.id, userId: u });
      expect(codeOf(await h.as(owner, ADD, { channelId: group.id, userId: more[8] }))).toBe('LIMIT_REACHED');
      expect(await recipientsOf(group.id)).toHaveLength(10);
    });

    it('keeps the cap of 10 when adds race', async () => {
      const [owner, a, ...more] = await h.seed.users(12);
      const group = await createGroup(owner, [a]);
      const results = await Promise.all(
        more.map((u) => h.as(owner, ADD, { channelId: group.id, userId: u })),
      );
      expect(results.filter((r) => codeOf(r) === 'OK')).toHaveLength(8);
      expect(results.filter((r) => codeOf(r) === 'LIMIT_REACHED')).toHaveLength(2);
      expect(await recipientsOf(group.id)).toHaveLength(10);
    });
  });

  describe('removeGroupDmRecipient', () => {
    it('lets the owner remove a participant, telling them and those who remain', async () => {
      const [owner, a, b] = await h.seed.users(3);
      const group = await createGroup(owner, [a, b]);
      const after = (await h.ok<Remove>(owner, REMOVE, { channelId: group.id, userId: b }))
        .removeGroupDmRecipient;
      expect(ids(after.recipients)).toEqual(sorted([owner!, a!]));
      const events = await eventsFor('DirectChannelUpdated', group.id);
      expect(events.map((e) => e.subject).sort()).toEqual(subjectsOf(owner, a, b));
      expect(sorted((events[0]!.data as { recipientIds: string[] }).recipientIds)).toEqual(
        sorted([owner!, a!]),
      );
      // The removed user no longer sees the conversation and cannot act on it.
      expect((await h.ok<Mine>(b, MINE)).myDirectChannels.map((c) => c.id)).not.toContain(group.id);
      expect(codeOf(await h.as(b, LEAVE, { channelId: group.id }))).toBe('FORBIDDEN');
    });

    it('refuses non-owners, yourself and non-participants', async () => {
      const [owner, a, b, outsider] = await h.seed.users(4);
      const group = await createGroup(owner, [a, b]);
      expect(codeOf(await h.as(undefined, REMOVE, { channelId: group.id, userId: b }))).toBe(
        'UNAUTHENTICATED',
      );
      expect(codeOf(await h.as(a, REMOVE, { channelId: group.id, userId: b }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(outsider, REMOVE, { channelId: group.id, userId: b }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(owner, REMOVE, { channelId: group.id, userId: owner }))).toBe('VALIDATION');
      expect(codeOf(await h.as(owner, REMOVE, { channelId: group.id, userId: outsider }))).toBe('NOT_FOUND');
      const dm = await openDm(owner, a);
      expect(codeOf(await h.as(owner, REMOVE, { channelId: dm.id, userId: a }))).toBe('VALIDATION');
      expect(await recipientsOf(group.id)).toHaveLength(3);
    });
  });

  describe('leaveGroupDm', () => {
    it('hands ownership to the longest-standing participant, and deletes the group with the last one', async () => {
      const [owner, a, late] = await h.seed.users(3);
      const group = await createGroup(owner, [a]);
      await h.ok(owner, ADD, { channelId: group.id, userId: late });
      // Make the order explicit: `a` joined well before `late`.
      await h.db
        .update(channelRecipients)
        .set({ addedAt: new Date(Date.now() - 60_000) })
        .where(and(eq(channelRecipients.channelId, group.id), eq(channelRecipients.userId, a!)));

      expect(await h.ok(owner, LEAVE, { channelId: group.id })).toEqual({ leaveGroupDm: group.id });
      const [row] = await h.db.select().from(channels).where(eq(channels.id, group.id));
      expect(row!.ownerId).toBe(a);
      const updated = (await eventsFor('DirectChannelUpdated', group.id)).filter(
        (e) => (e.data as { actorId: string }).actorId === owner,
      );
      // Past and present participants hear it: the leaver too.
      expect(
        updated
          .filter((e) => (e.data as { ownerId: string }).ownerId === a)
          .map((e) => e.subject)
          .sort(),
      ).toEqual(subjectsOf(owner, a, late));
      // The new owner manages the group; the old one is out.
      expect(codeOf(await h.as(owner, ADD, { channelId: group.id, userId: owner }))).toBe('FORBIDDEN');
      await h.ok(a, REMOVE, { channelId: group.id, userId: late });

      await h.db.insert(messages).values({
        id: messageIds.next(),
        channelId: group.id,
        parentChannelId: group.id,
        authorId: a!,
        content: 'bye',
      });
      await h.ok(a, LEAVE, { channelId: group.id });
      expect(await h.db.select().from(channels).where(eq(channels.id, group.id))).toEqual([]);
      expect(await h.db.select().from(messages).where(eq(messages.channelId, group.id))).toEqual([]);
      expect(await recipientsOf(group.id)).toEqual([]);
    });

    it('lets a plain participant leave, keeping the owner', async () => {
      const [owner, a, b] = await h.seed.users(3);
      const group = await createGroup(owner, [a, b]);
      await h.ok(b, LEAVE, { channelId: group.id });
      const [row] = await h.db.select().from(channels).where(eq(channels.id, group.id));
      expect(row!.ownerId).toBe(owner);
      const left = await recipientsOf(group.id);
      expect(sorted(left.map((r) => r.userId))).toEqual(sorted([owner!, a!]));
      const events = await eventsFor('DirectChannelUpdated', group.id);
      expect(events.map((e) => e.subject).sort()).toEqual(subjectsOf(owner, a, b));
    });

    it('refuses anonymous callers, outsiders and 1:1 DMs', async () => {
      const [owner, a, outsider] = await h.seed.users(3);
      const group = await createGroup(owner, [a]);
      expect(codeOf(await h.as(undefined, LEAVE, { channelId: group.id }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(outsider, LEAVE, { channelId: group.id }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(owner, LEAVE, { channelId: '123456789012345' }))).toBe('NOT_FOUND');
      const dm = await openDm(owner, a);
      expect(codeOf(await h.as(owner, LEAVE, { channelId: dm.id }))).toBe('VALIDATION');
      expect(
        await h.db
          .select()
          .from(channelRecipients)
          .where(inArray(channelRecipients.channelId, [group.id, dm.id])),
      ).toHaveLength(4);
    });
  });

  describe('myDirectChannels', () => {
    it("lists the caller's DMs and group DMs, newest first, and nobody else's", async () => {
      const [me, a, b, stranger] = await h.seed.users(4);
      const dm = await openDm(me, a);
      const group = await createGroup(b, [me, a]);
      const other = await openDm(a, b);
      const mine = (await h.ok<Mine>(me, MINE)).myDirectChannels;
      expect(mine.map((c) => c.id)).toEqual([group.id, dm.id]);
      expect(mine[0]!.owner).toEqual({ id: b });
      expect(ids(mine[1]!.recipients)).toEqual(sorted([me!, a!]));
      expect((await h.ok<Mine>(stranger, MINE)).myDirectChannels).toEqual([]);
      expect((await h.ok<Mine>(a, MINE)).myDirectChannels.map((c) => c.id)).toEqual([
        other.id,
        group.id,
        dm.id,
      ]);
      expect(codeOf(await h.as(undefined, MINE))).toBe('UNAUTHENTICATED');
    });

    it('gives guild channels no recipients and no owner', async () => {
      const guildChannel = { id: '1', guildId: '2', kind: 'text', ownerId: null } as never;
      const channel = directResolvers.Channel as unknown as {
        recipients: (c: unknown) => unknown;
        owner: (c: unknown) => unknown;
      };
      await expect(channel.recipients(guildChannel)).resolves.toEqual([]);
      expect(channel.owner(guildChannel)).toBeNull();
    });
  });
});
