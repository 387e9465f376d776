import {
  bans,
  channelState,
  channels,
  invites,
  memberRoles,
  mentions,
  messages,
  pins,
  reactions,
  threads,
  user,
} from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { openGuildsHarness } from './test-harness.ts';

const seedIds = createSnowflakeGenerator(32);
const DAY_MS = 86_400_000;

const KICK = `mutation($guildId: ID!, $userId: ID!, $reason: String) { kickMember(guildId: $guildId, userId: $userId, reason: $reason) }`;
const BAN = `mutation($guildId: ID!, $userId: ID!, $reason: String, $days: Int) {
  banMember(guildId: $guildId, userId: $userId, reason: $reason, deleteMessageDays: $days) { user { id } reason moderator { id } createdAt }
}`;
const UNBAN = `mutation($guildId: ID!, $userId: ID!, $reason: String) { unbanMember(guildId: $guildId, userId: $userId, reason: $reason) }`;
const BANS = `query($guildId: ID!, $first: Int, $after: ID) {
  guildBans(guildId: $guildId, first: $first, after: $after) { nodes { user { id } reason moderator { id } } endCursor hasNextPage }
}`;
const ACCEPT = `mutation($code: String!) { acceptInvite(code: $code) { id } }`;

type Bans = {
  guildBans: {
    nodes: { user: { id: string }; reason: string | null; moderator: { id: string } | null }[];
    endCursor: string | null;
    hasNextPage: boolean;
  };
};

const P = PERMISSIONS;

await describeOnBothDatabases('moderation', openGuildsHarness, (h) => {
  async function eventsOf(type: string, match: (data: Record<string, unknown>) => boolean) {
    await h.flush();
    return h.events.events.filter((e) => e.type === type && match(e.data));
  }

  /**
   * A guild with: a moderator role (position 5) holding `permission`, a 'senior' member above it
   * (position 9, no permissions), a 'junior' below it (position 2), a plain member, and an outsider.
   */
  async function hierarchy(permission: bigint) {
    const owner = await h.createUser();
    const { guildId, channelId } = await h.seed.guild(owner);
    const mods = await h.seed.role(guildId, permission, 5);
    const seniors = await h.seed.role(guildId, 0n, 9);
    const juniors = await h.seed.role(guildId, 0n, 2);
    return {
      guildId,
      channelId,
      owner,
      moderator: await h.seed.member(guildId, [mods]),
      peer: await h.seed.member(guildId, [mods]),
      senior: await h.seed.member(guildId, [seniors]),
      junior: await h.seed.member(guildId, [juniors]),
      plain: await h.seed.member(guildId),
      outsider: await h.createUser(),
      juniors,
    };
  }

  describe('kickMember', () => {
    it('lets KICK_MEMBERS holders kick members below them, audited and announced to guild and user', async () => {
      const w = await hierarchy(P.KICK_MEMBERS);
      expect(await h.ok(w.moderator, KICK, { guildId: w.guildId, userId: w.junior, reason: 'rude' })).toEqual(
        {
          kickMember: true,
        },
      );
      expect(await h.isMember(w.guildId, w.junior)).toBe(false);
      // member_roles went with the membership.
      expect(await h.db.select().from(memberRoles).where(eq(memberRoles.userId, w.junior))).toEqual([]);

      const [entry] = await h.auditOf(w.guildId, 'MEMBER_KICK');
      expect(entry).toMatchObject({
        actorId: w.moderator,
        targetType: 'MEMBER',
        targetId: w.junior,
        reason: 'rude',
      });
      const removed = await eventsOf(
        'GuildMemberRemoved',
        (d) => d.guildId === w.guildId && d.userId === w.junior,
      );
      expect(removed.map((e) => e.subject).sort()).toEqual([`guild.${w.guildId}`, `user.${w.junior}`].sort());
      expect(removed[0]!.data).toMatchObject({ actorId: w.moderator, reason: 'kick' });

      // The owner kicks anyone but themselves.
      expect(codeOf(await h.as(w.owner, KICK, { guildId: w.guildId, userId: w.senior }))).toBe('OK');
      expect(codeOf(await h.as(w.owner, KICK, { guildId: w.guildId, userId: w.owner }))).toBe('FORBIDDEN');
    });

    it('refuses anonymous callers, non-members, members without the permission, and targets not below', async () => {
      const w = await hierarchy(P.KICK_MEMBERS);
      const kick = (actor: string | undefined, userId: string) =>
        h.as(actor, KICK, { guildId: w.guildId, userId });
      expect(codeOf(await kick(undefined, w.plain))).toBe('UNAUTHENTICATED');
      expect(codeOf(await kick(w.outsider, w.plain))).toBe('FORBIDDEN');
      expect(codeOf(await kick(w.plain, w.junior))).toBe('FORBIDDEN');
      expect(codeOf(await kick(w.junior, w.plain))).toBe('FORBIDDEN');
      expect(codeOf(await kick(w.moderator, w.senior))).toBe('FORBIDDEN'); // above
      expect(codeOf(await kick(w.moderator, w.peer))).toBe('FORBIDDEN'); // same rank
      expect(codeOf(await kick(w.moderator, w.moderator))).toBe('FORBIDDEN'); // themselves
      expect(codeOf(await kick(w.moderator, w.owner))).toBe('FORBIDDEN');
      expect(codeOf(await kick(w.moderator, w.outsider))).toBe('NOT_FOUND'); // not a member
      expect(codeOf(await h.as(w.owner, KICK, { guildId: seedIds.next(), userId: w.plain }))).toBe(
        'NOT_FOUND',
      );
      expect(codeOf(await h.as(w.owner, KICK, { guildId: 'abc', userId: w.plain }))).toBe('VALIDATION');
      expect(codeOf(await kick(w.moderator, 'nope'))).toBe('VALIDATION');
      expect(
        codeOf(
          await h.as(w.moderator, KICK, { guildId: w.guildId, userId: w.plain, reason: 'r'.repeat(513) }),
        ),
      ).toBe('VALIDATION');
      for (const user of [w.plain, w.senior, w.peer, w.moderator, w.owner])
        expect(await h.isMember(w.guildId, user)).toBe(true);
      expect(await h.auditOf(w.guildId, 'MEMBER_KICK')).toEqual([]);
    });
  });

  describe('banMember', () => {
    it('bans a member below, removing the membership, audited and announced', async () => {
      const w = await hierarchy(P.BAN_MEMBERS);
      type Ban = { banMember: { user: { id: string }; reason: string | null; moderator: { id: string } } };
      const ban = (
        await h.ok<Ban>(w.moderator, BAN, { guildId: w.guildId, userId: w.junior, reason: 'spam' })
      ).banMember;
      expect(ban).toMatchObject({ user: { id: w.junior }, reason: 'spam', moderator: { id: w.moderator } });
      expect(await h.isMember(w.guildId, w.junior)).toBe(false);
      const [entry] = await h.auditOf(w.guildId, 'MEMBER_BAN_ADD');
      expect(entry).toMatchObject({ actorId: w.moderator, targetId: w.junior, reason: 'spam' });
      expect(entry!.changes).toEqual([
        { key: 'deleteMessageDays', after: 0 },
        { key: 'deletedMessages', after: 0 },
      ]);
      const removed = await eventsOf(
        'GuildMemberRemoved',
        (d) => d.guildId === w.guildId && d.userId === w.junior,
      );
      expect(removed.map((e) => e.subject).sort()).toEqual([`guild.${w.guildId}`, `user.${w.junior}`].sort());
      expect(removed[0]!.data).toMatchObject({ reason: 'ban' });
      const added = await eventsOf('GuildBanAdded', (d) => d.guildId === w.guildId && d.userId === w.junior);
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({
        subject: `guild.${w.guildId}`,
        data: { actorId: w.moderator, deletedMessages: 0 },
      });

      // Banning again updates the reason and moderator; the ban stays one row.
      await h.ok(w.owner, BAN, { guildId: w.guildId, userId: w.junior, reason: 'really' });
      const rows = await h.db.select().from(bans).where(eq(bans.guildId, w.guildId));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ userId: w.junior, reason: 'really', moderatorId: w.owner });
    });

    it('bans users who are not members (they have no rank), with no removal event', async () => {
      const w = await hierarchy(P.BAN_MEMBERS);
      expect(codeOf(await h.as(w.moderator, BAN, { guildId: w.guildId, userId: w.outsider }))).toBe('OK');
      expect(await eventsOf('GuildMemberRemoved', (d) => d.userId === w.outsider)).toEqual([]);
      expect(await eventsOf('GuildBanAdded', (d) => d.userId === w.outsider)).toHaveLength(1);
      const [ban] = await h.db
        .select()
        .from(bans)
        .where(and(eq(bans.guildId, w.guildId), eq(bans.userId, w.outsider)));
      expect(ban).toMatchObject({ moderatorId: w.moderator, reason: null });
    });

    it('refuses everyone else, unknown users, and bad reasons or day counts', async () => {
      const w = await hierarchy(P.BAN_MEMBERS);
      const ban = (actor: string | undefined, userId: string, extra: Record<string, unknown> = {}) =>
        h.as(actor, BAN, { guildId: w.guildId, userId, ...extra });
      expect(codeOf(await ban(undefined, w.plain))).toBe('UNAUTHENTICATED');
      expect(codeOf(await ban(w.outsider, w.plain))).toBe('FORBIDDEN');
      expect(codeOf(await ban(w.plain, w.junior))).toBe('FORBIDDEN');
      expect(codeOf(await ban(w.moderator, w.senior))).toBe('FORBIDDEN');
      expect(codeOf(await ban(w.moderator, w.peer))).toBe('FORBIDDEN');
      expect(codeOf(await ban(w.moderator, w.moderator))).toBe('FORBIDDEN');
      expect(codeOf(await ban(w.moderator, w.owner))).toBe('FORBIDDEN');
      expect(codeOf(await ban(w.owner, w.owner))).toBe('FORBIDDEN');
      expect(codeOf(await ban(w.moderator, seedIds.next()))).toBe('NOT_FOUND');
      expect(codeOf(await ban(w.moderator, w.plain, { reason: 'r'.repeat(513) }))).toBe('VALIDATION');
      expect(codeOf(await ban(w.moderator, w.plain, { days: 8 }))).toBe('VALIDATION');
      expect(codeOf(await ban(w.moderator, w.plain, { days: -1 }))).toBe('VALIDATION');
      expect(codeOf(await h.as(w.owner, BAN, { guildId: seedIds.next(), userId: w.plain }))).toBe(
        'NOT_FOUND',
      );
      expect(await h.db.select().from(bans).where(eq(bans.guildId, w.guildId))).toEqual([]);
      for (const member of [w.plain, w.senior, w.peer])
        expect(await h.isMember(w.guildId, member)).toBe(true);
      // 512 characters is fine.
      expect(codeOf(await ban(w.moderator, w.plain, { reason: 'r'.repeat(512), days: 7 }))).toBe('OK');
    });

    it("deletes the user's messages of the last N days in this guild only, one bulk event per channel", async () => {
      const w = await hierarchy(P.BAN_MEMBERS);
      const otherChannel = seedIds.next();
      await h.db
        .insert(channels)
        .values({ id: otherChannel, guildId: w.guildId, kind: 'text', name: 'other' });
      const elsewhere = await h.seed.guild(w.owner);
      await h.seed.join(elsewhere.guildId, w.junior);

      const now = Date.now();
      let worker = 100;
      /** A message whose id says it was sent `daysAgo` days ago (plus `ms`). */
      async function message(
        channelId: string,
        authorId: string,
        daysAgo: number,
        ms = 0,
        parent = channelId,
      ) {
        const id = createSnowflakeGenerator(worker++, () => now - daysAgo * DAY_MS + ms).next();
        const guildId = channelId === elsewhere.channelId ? elsewhere.guildId : w.guildId;
        await h.db
          .insert(messages)
          .values({ id, channelId, parentChannelId: parent, guildId, authorId, content: 'hi' });
        return id;
      }
      // A thread under the channel: its messages go too.
      const threadId = seedIds.next();
      await h.db
        .insert(threads)
        .values({ id: threadId, parentId: w.channelId, guildId: w.guildId, ownerId: w.junior, name: 't' });
      const recent = [
        await message(w.channelId, w.junior, 0),
        await message(w.channelId, w.junior, 1),
        await message(w.channelId, w.junior, 2, 60_000), // just inside two days
        await message(otherChannel, w.junior, 0.5),
        await message(threadId, w.junior, 0.2, 0, w.channelId),
      ];
      const kept = [
        await message(w.channelId, w.junior, 2, -60_000), // just older than two days
        await message(w.channelId, w.junior, 10),
        await message(w.channelId, w.plain, 0), // someone else's
        await message(elsewhere.channelId, w.junior, 0), // another guild
      ];
      // What hangs off the newest purged message, which is also the channel's last message.
      const [newest] = recent;
      const inChannel = { channelId: w.channelId, messageId: newest!, parentChannelId: w.channelId };
      await h.db.insert(reactions).values({ ...inChannel, emojiKey: 'u:👍', userId: w.plain });
      await h.db.insert(pins).values({ ...inChannel, pinnedBy: w.moderator });
      await h.db.insert(mentions).values({ ...inChannel, targetType: 'user', targetId: w.plain });
      await h.db.insert(channelState).values({
        channelId: w.channelId,
        parentChannelId: w.channelId,
        guildId: w.guildId,
        lastMessageId: newest!,
        pinCount: 1,
      });
      type Ban = { banMember: { user: { id: string } } };
      await h.ok<Ban>(w.moderator, BAN, { guildId: w.guildId, userId: w.junior, days: 2 });

      for (const table of [reactions, pins, mentions])
        expect(await h.db.select().from(table).where(eq(table.messageId, newest!))).toEqual([]);
      // The channel's last message falls back to the newest one left (someone else's), pins to 0.
      const [state] = await h.db.select().from(channelState).where(eq(channelState.channelId, w.channelId));
      expect(state).toMatchObject({ lastMessageId: kept[2], pinCount: 0 });

      const left = await h.db
        .select({ id: messages.id })
        .from(messages)
        .where(inArray(messages.id, [...recent, ...kept]));
      expect(left.map((m) => m.id).sort()).toEqual([...kept].sort());

      const bulk = await eventsOf('MessagesBulkDeleted', (d) => d.guildId === w.guildId);
      expect(bulk.map((e) => e.subject).sort()).toEqual(
        [
          `channel.${w.guildId}.${w.channelId}.messages`,
          `channel.${w.guildId}.${otherChannel}.messages`,
          `channel.${w.guildId}.${threadId}.messages`,
        ].sort(),
      );
      // A thread's purge names its parent channel, whose permissions govern who may see the event.
      expect(bulk.find((e) => e.data.channelId === threadId)?.data.parentChannelId).toBe(w.channelId);
      expect(bulk.find((e) => e.data.channelId === otherChannel)?.data.parentChannelId).toBe(otherChannel);
      const ids = bulk.flatMap((e) => e.data.messageIds as string[]);
      expect(ids.sort()).toEqual([...recent].sort());
      const [entry] = await h.auditOf(w.guildId, 'MEMBER_BAN_ADD');
      expect(entry!.changes).toEqual([
        { key: 'deleteMessageDays', after: 2 },
        { key: 'deletedMessages', after: 5 },
      ]);
      const added = await eventsOf('GuildBanAdded', (d) => d.guildId === w.guildId);
      expect(added[0]!.data).toMatchObject({ deletedMessages: 5 });
      // Still a member of the other guild.
      expect(await h.isMember(elsewhere.guildId, w.junior)).toBe(true);
    });

    it('keeps banned users out: accepting an invite is FORBIDDEN until unbanned', async () => {
      const w = await hierarchy(P.BAN_MEMBERS);
      const code = 'Ban12345';
      await h.db.insert(invites).values({ code, guildId: w.guildId, inviterId: w.owner });
      await h.ok(w.moderator, BAN, { guildId: w.guildId, userId: w.junior });
      expect(codeOf(await h.as(w.junior, ACCEPT, { code }))).toBe('FORBIDDEN');
      await h.ok(w.moderator, UNBAN, { guildId: w.guildId, userId: w.junior });
      expect(codeOf(await h.as(w.junior, ACCEPT, { code }))).toBe('OK');
      expect(await h.isMember(w.guildId, w.junior)).toBe(true);
    });
  });

  describe('unbanMember', () => {
    it('lifts a ban for BAN_MEMBERS holders only, audited and announced; NOT_FOUND when not banned', async () => {
      const w = await hierarchy(P.BAN_MEMBERS);
      await h.db
        .insert(bans)
        .values({ guildId: w.guildId, userId: w.outsider, reason: 'old', moderatorId: w.owner });
      const unban = (actor: string | undefined, userId: string, reason?: string) =>
        h.as(actor, UNBAN, { guildId: w.guildId, userId, reason });
      expect(codeOf(await unban(undefined, w.outsider))).toBe('UNAUTHENTICATED');
      expect(codeOf(await unban(w.outsider, w.outsider))).toBe('FORBIDDEN');
      expect(codeOf(await unban(w.plain, w.outsider))).toBe('FORBIDDEN');
      expect(codeOf(await unban(w.moderator, w.plain))).toBe('NOT_FOUND');
      expect(codeOf(await unban(w.moderator, w.outsider, 'x'.repeat(513)))).toBe('VALIDATION');
      expect(
        await h.ok(w.moderator, UNBAN, { guildId: w.guildId, userId: w.outsider, reason: 'served' }),
      ).toEqual({
        unbanMember: true,
      });
      expect(await h.db.select().from(bans).where(eq(bans.guildId, w.guildId))).toEqual([]);
      expect(codeOf(await unban(w.moderator, w.outsider))).toBe('NOT_FOUND');
      const [entry] = await h.auditOf(w.guildId, 'MEMBER_BAN_REMOVE');
      expect(entry).toMatchObject({ actorId: w.moderator, targetId: w.outsider, reason: 'served' });
      expect(entry!.changes).toEqual([{ key: 'reason', before: 'old' }]);
      const removed = await eventsOf('GuildBanRemoved', (d) => d.guildId === w.guildId);
      expect(removed).toHaveLength(1);
      expect(removed[0]).toMatchObject({
        subject: `guild.${w.guildId}`,
        data: { actorId: w.moderator, userId: w.outsider },
      });
    });
  });

  describe('guildBans', () => {
    it('pages through the bans by user id for BAN_MEMBERS holders only', async () => {
      const w = await hierarchy(P.BAN_MEMBERS);
      const banned = await h.seed.users(5);
      for (const userId of banned)
        await h.db
          .insert(bans)
          .values({ guildId: w.guildId, userId, reason: `r-${userId}`, moderatorId: w.owner });
      const expected = [...banned].sort();

      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 5; page++) {
        const result: Bans = await h.ok<Bans>(w.moderator, BANS, { guildId: w.guildId, first: 2, after });
        seen.push(...result.guildBans.nodes.map((n) => n.user.id));
        expect(result.guildBans.nodes[0]).toMatchObject({ moderator: { id: w.owner } });
        if (!result.guildBans.hasNextPage) {
          expect(result.guildBans.endCursor).toBeNull();
          break;
        }
        after = result.guildBans.endCursor;
      }
      expect(seen).toEqual(expected);
      const all = (await h.ok<Bans>(w.owner, BANS, { guildId: w.guildId })).guildBans;
      expect(all.nodes.map((n) => n.user.id)).toEqual(expected);
      expect(all.nodes[0]!.reason).toBe(`r-${expected[0]}`);

      expect(codeOf(await h.as(undefined, BANS, { guildId: w.guildId }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(w.outsider, BANS, { guildId: w.guildId }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.plain, BANS, { guildId: w.guildId }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.moderator, BANS, { guildId: w.guildId, first: 0 }))).toBe('VALIDATION');
      expect(codeOf(await h.as(w.moderator, BANS, { guildId: w.guildId, first: 1001 }))).toBe('VALIDATION');
      expect(codeOf(await h.as(w.moderator, BANS, { guildId: w.guildId, after: 'x' }))).toBe('VALIDATION');
      expect(codeOf(await h.as(w.moderator, BANS, { guildId: w.guildId, first: 1000 }))).toBe('OK');
    });

    it("shows a null moderator once the moderator's account is gone", async () => {
      const w = await hierarchy(P.BAN_MEMBERS);
      const [gone, victim] = await h.seed.users(2);
      await h.db.insert(bans).values({ guildId: w.guildId, userId: victim!, moderatorId: gone! });
      await h.db.delete(user).where(eq(user.id, gone!));
      const all = (await h.ok<Bans>(w.owner, BANS, { guildId: w.guildId })).guildBans;
      expect(all.nodes).toEqual([{ user: { id: victim }, reason: null, moderator: null }]);
    });
  });
});
