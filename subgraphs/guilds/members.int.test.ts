import { guildMembers, memberRoles, roles, user } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { ALL_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, PERMISSIONS as P } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { openGuildsHarness } from './test-harness.ts';

const seedIds = createSnowflakeGenerator(78);

const MEMBER = 'user { id } guild { id } nickname roles { id } timeoutUntil permissions joinedAt';
const CREATE_GUILD = `mutation { createGuild(input: { name: "Members" }) { id } }`;
const CREATE_ROLE = `mutation($guildId: ID!, $name: String!, $permissions: String) { createRole(guildId: $guildId, input: { name: $name, permissions: $permissions }) { id } }`;
const PAGE = `query($guildId: ID!, $first: Int, $after: ID) { guildMembers(guildId: $guildId, first: $first, after: $after) { nodes { user { id } roles { id } } endCursor hasNextPage } }`;
const ONE = `query($guildId: ID!, $userId: ID!) { guildMember(guildId: $guildId, userId: $userId) { ${MEMBER} } }`;
const NICK = `mutation($guildId: ID!, $userId: ID!, $nickname: String, $reason: String) { updateMember(guildId: $guildId, userId: $userId, input: { nickname: $nickname }, reason: $reason) { ${MEMBER} } }`;
const TIMEOUT = `mutation($guildId: ID!, $userId: ID!, $until: DateTime, $reason: String) { timeoutMember(guildId: $guildId, userId: $userId, until: $until, reason: $reason) { ${MEMBER} } }`;

interface MemberData {
  user: { id: string };
  guild: { id: string };
  nickname: string | null;
  roles: { id: string }[];
  timeoutUntil: string | null;
  permissions: string;
  joinedAt: string;
}
interface PageData {
  guildMembers: {
    nodes: { user: { id: string }; roles: { id: string }[] }[];
    endCursor: string | null;
    hasNextPage: boolean;
  };
}
const bits = (...list: bigint[]) => list.reduce((a, b) => a | b, 0n).toString();
const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

await describeOnBothDatabases('members', openGuildsHarness, (h) => {
  /** A guild with Mod (position 2: MANAGE_NICKNAMES, MODERATE_MEMBERS) above Low (1); members holding each. */
  async function world() {
    const owner = await h.createUser();
    const guildId = (await h.ok<{ createGuild: { id: string } }>(owner, CREATE_GUILD)).createGuild.id;
    const role = async (roleName: string, permissions: string) =>
      (
        await h.ok<{ createRole: { id: string } }>(owner, CREATE_ROLE, {
          guildId,
          name: roleName,
          permissions,
        })
      ).createRole.id;
    const modRole = await role('Mod', bits(P.MANAGE_NICKNAMES, P.MODERATE_MEMBERS));
    const lowRole = await role('Low', '0');
    const mod = await h.seed.member(guildId, [modRole]);
    const peer = await h.seed.member(guildId, [modRole]);
    const low = await h.seed.member(guildId, [lowRole]);
    const plain = await h.seed.member(guildId);
    const stranger = await h.createUser();
    return { owner, guildId, modRole, lowRole, mod, peer, low, plain, stranger };
  }

  async function memberEvents(guildId: string, userId: string) {
    await h.flush();
    return h.events.events
      .filter((e) => e.type === 'GuildMemberUpdated' && (e.data as { userId: string }).userId === userId)
      .map((e) => e.data)
      .filter((d) => (d as { guildId: string }).guildId === guildId);
  }

  describe('guildMembers', () => {
    it('pages through 250 members by user id with no duplicates or gaps', async () => {
      const w = await world(); // owner + 4 members
      const users = Array.from({ length: 245 }, () => seedIds.next());
      await h.db
        .insert(user)
        .values(
          users.map((id) => ({ id, name: `m${id}`, email: `m${id}@members.test`, emailVerified: true })),
        );
      await h.db.insert(guildMembers).values(users.map((userId) => ({ guildId: w.guildId, userId })));
      const other = await world(); // members of another guild never show up

      const expected = (
        await h.db
          .select({ userId: guildMembers.userId })
          .from(guildMembers)
          .where(eq(guildMembers.guildId, w.guildId))
          .orderBy(asc(guildMembers.userId))
      ).map((r) => r.userId);
      expect(expected).toHaveLength(250);

      const seen: string[] = [];
      const pages: PageData['guildMembers'][] = [];
      let after: string | null = null;
      do {
        const page: PageData['guildMembers'] = (
          await h.ok<PageData>(w.plain, PAGE, { guildId: w.guildId, first: 100, after })
        ).guildMembers;
        pages.push(page);
        seen.push(...page.nodes.map((n) => n.user.id));
        after = page.endCursor;
      } while (after);
      expect(pages.map((p) => [p.nodes.length, p.hasNextPage])).toEqual([
        [100, true],
        [100, true],
        [50, false],
      ]);
      expect(pages[2]!.endCursor).toBeNull();
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(250);
      expect(seen).not.toContain(other.plain);

      // Stable: the same cursor gives the same page; exactly 250 gives no empty extra page.
      const again = (
        await h.ok<PageData>(w.plain, PAGE, { guildId: w.guildId, first: 100, after: pages[0]!.endCursor })
      ).guildMembers;
      expect(again.nodes.map((n) => n.user.id)).toEqual(seen.slice(100, 200));
      const all = (await h.ok<PageData>(w.plain, PAGE, { guildId: w.guildId, first: 250 })).guildMembers;
      expect(all).toMatchObject({ hasNextPage: false, endCursor: null });
      expect(all.nodes).toHaveLength(250);
      // Default page size is 100; each member's roles come along.
      const first = (await h.ok<PageData>(w.plain, PAGE, { guildId: w.guildId })).guildMembers;
      expect(first.nodes).toHaveLength(100);
      const mod = all.nodes.find((n) => n.user.id === w.mod)!;
      expect(mod.roles).toEqual([{ id: w.modRole }]);
    });

    it('is for members only and validates its arguments', async () => {
      const w = await world();
      const page = (userId: string | undefined, vars: Record<string, unknown>) =>
        h.as(userId, PAGE, { guildId: w.guildId, ...vars });
      expect(codeOf(await page(undefined, {}))).toBe('UNAUTHENTICATED');
      expect(codeOf(await page(w.stranger, {}))).toBe('FORBIDDEN');
      expect(codeOf(await page(w.plain, { guildId: seedIds.next() }))).toBe('NOT_FOUND');
      expect(codeOf(await page(w.plain, { guildId: 'x' }))).toBe('VALIDATION');
      expect(codeOf(await page(w.plain, { first: 0 }))).toBe('VALIDATION');
      expect(codeOf(await page(w.plain, { first: 1001 }))).toBe('VALIDATION');
      expect(codeOf(await page(w.plain, { after: 'not-an-id' }))).toBe('VALIDATION');
      expect(codeOf(await page(w.plain, { first: 1000 }))).toBe('OK');
    });
  });

  describe('guildMember', () => {
    it('shows a member with roles highest first and guild-level permissions', async () => {
      const w = await world();
      await h.db.insert(memberRoles).values({ guildId: w.guildId, userId: w.mod, roleId: w.lowRole });
      const seen = (
        await h.ok<{ guildMember: MemberData }>(w.plain, ONE, { guildId: w.guildId, userId: w.mod })
      ).guildMember;
      expect(seen).toMatchObject({
        user: { id: w.mod },
        guild: { id: w.guildId },
        nickname: null,
        timeoutUntil: null,
        roles: [{ id: w.modRole }, { id: w.lowRole }],
        permissions: (DEFAULT_EVERYONE_PERMISSIONS | P.MANAGE_NICKNAMES | P.MODERATE_MEMBERS).toString(),
      });
      const owner = await h.ok<{ guildMember: MemberData }>(w.plain, ONE, {
        guildId: w.guildId,
        userId: w.owner,
      });
      expect(owner.guildMember.permissions).toBe(ALL_PERMISSIONS.toString());
      expect(codeOf(await h.as(w.plain, ONE, { guildId: w.guildId, userId: w.stranger }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(w.stranger, ONE, { guildId: w.guildId, userId: w.plain }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(undefined, ONE, { guildId: w.guildId, userId: w.plain }))).toBe(
        'UNAUTHENTICATED',
      );
    });
  });

  describe('updateMember', () => {
    it('lets members set their own nickname with CHANGE_NICKNAME, audited like any change', async () => {
      const w = await world();
      const nick = (nickname: string | null, reason?: string) =>
        h.as<{ updateMember: MemberData }>(w.plain, NICK, {
          guildId: w.guildId,
          userId: w.plain,
          nickname,
          reason,
        });
      const set = await nick('  Plainly  ', 'new me');
      expect(set.data?.updateMember.nickname).toBe('Plainly');
      expect(codeOf(await nick(''))).toBe('VALIDATION');
      expect(codeOf(await nick('   '))).toBe('VALIDATION');
      expect(codeOf(await nick('x'.repeat(33)))).toBe('VALIDATION');
      expect(codeOf(await nick('x'.repeat(32)))).toBe('OK');
      const cleared = await nick(null);
      expect(cleared.data?.updateMember.nickname).toBeNull();

      const entries = (await h.auditOf(w.guildId, 'MEMBER_UPDATE')).sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(entries.map((e) => [e.actorId, e.targetId, e.targetType])).toEqual([
        [w.plain, w.plain, 'MEMBER'],
        [w.plain, w.plain, 'MEMBER'],
        [w.plain, w.plain, 'MEMBER'],
      ]);
      expect(entries[0]).toMatchObject({
        reason: 'new me',
        changes: [{ key: 'nickname', before: null, after: 'Plainly' }],
      });
      expect(await memberEvents(w.guildId, w.plain)).toEqual(
        Array.from({ length: 3 }, () => ({
          guildId: w.guildId,
          actorId: w.plain,
          userId: w.plain,
          fields: ['nickname'],
        })),
      );

      // Without CHANGE_NICKNAME on @everyone, members cannot rename themselves; the owner still can.
      await h.ok(
        w.owner,
        `mutation($id: ID!, $p: String!) { updateRole(id: $id, input: { permissions: $p }) { id } }`,
        {
          id: w.guildId,
          p: (DEFAULT_EVERYONE_PERMISSIONS & ~P.CHANGE_NICKNAME).toString(),
        },
      );
      expect(codeOf(await nick('again'))).toBe('FORBIDDEN');
      expect(
        codeOf(await h.as(w.owner, NICK, { guildId: w.guildId, userId: w.owner, nickname: 'Boss' })),
      ).toBe('OK');
    });

    it("changes others' nicknames only with MANAGE_NICKNAMES and a higher role", async () => {
      const w = await world();
      const nick = (actor: string | undefined, target: string) =>
        h.as(actor, NICK, { guildId: w.guildId, userId: target, nickname: 'renamed' });
      expect(codeOf(await nick(w.mod, w.low))).toBe('OK');
      expect(codeOf(await nick(w.mod, w.plain))).toBe('OK');
      expect(codeOf(await nick(w.mod, w.peer))).toBe('FORBIDDEN'); // same rank
      expect(codeOf(await nick(w.mod, w.owner))).toBe('FORBIDDEN');
      expect(codeOf(await nick(w.low, w.plain))).toBe('FORBIDDEN'); // no MANAGE_NICKNAMES
      expect(codeOf(await nick(w.stranger, w.plain))).toBe('FORBIDDEN');
      expect(codeOf(await nick(undefined, w.plain))).toBe('UNAUTHENTICATED');
      expect(codeOf(await nick(w.mod, w.stranger))).toBe('NOT_FOUND');
      expect(codeOf(await nick(w.owner, w.mod))).toBe('OK');
      const [row] = await h.db
        .select()
        .from(guildMembers)
        .where(and(eq(guildMembers.guildId, w.guildId), eq(guildMembers.userId, w.low)));
      expect(row!.nickname).toBe('renamed');
      expect((await h.auditOf(w.guildId, 'MEMBER_UPDATE')).find((e) => e.targetId === w.low)).toMatchObject({
        actorId: w.mod,
      });
    });
  });

  describe('timeoutMember', () => {
    it('times members out so they can only read, and lifts it', async () => {
      const w = await world();
      const until = inHours(1);
      const out = await h.ok<{ timeoutMember: MemberData }>(w.mod, TIMEOUT, {
        guildId: w.guildId,
        userId: w.low,
        until,
        reason: 'cool down',
      });
      expect(out.timeoutMember.timeoutUntil).toBe(until);
      expect(out.timeoutMember.permissions).toBe(bits(P.VIEW_CHANNEL, P.READ_MESSAGE_HISTORY));
      const seen = await h.ok<{ guildMember: MemberData }>(w.plain, ONE, {
        guildId: w.guildId,
        userId: w.low,
      });
      expect(seen.guildMember.permissions).toBe(bits(P.VIEW_CHANNEL, P.READ_MESSAGE_HISTORY));

      const lifted = await h.ok<{ timeoutMember: MemberData }>(w.mod, TIMEOUT, {
        guildId: w.guildId,
        userId: w.low,
        until: null,
      });
      expect(lifted.timeoutMember.timeoutUntil).toBeNull();
      expect(lifted.timeoutMember.permissions).toBe(DEFAULT_EVERYONE_PERMISSIONS.toString());

      const entries = (await h.auditOf(w.guildId, 'MEMBER_TIMEOUT')).sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatchObject({
        actorId: w.mod,
        targetId: w.low,
        reason: 'cool down',
        changes: [{ key: 'timeoutUntil', before: null, after: until }],
      });
      expect(entries[1]!.changes).toEqual([{ key: 'timeoutUntil', before: until, after: null }]);
      expect(await memberEvents(w.guildId, w.low)).toEqual([
        { guildId: w.guildId, actorId: w.mod, userId: w.low, fields: ['timeoutUntil'] },
        { guildId: w.guildId, actorId: w.mod, userId: w.low, fields: ['timeoutUntil'] },
      ]);
    });

    it('a timed-out moderator loses their powers; a past timeout reads as none', async () => {
      const w = await world();
      await h.ok(w.owner, TIMEOUT, { guildId: w.guildId, userId: w.mod, until: inHours(2) });
      expect(
        codeOf(await h.as(w.mod, TIMEOUT, { guildId: w.guildId, userId: w.low, until: inHours(1) })),
      ).toBe('FORBIDDEN');
      await h.db
        .update(guildMembers)
        .set({ timeoutUntil: new Date(Date.now() - 1000) })
        .where(and(eq(guildMembers.guildId, w.guildId), eq(guildMembers.userId, w.mod)));
      const seen = await h.ok<{ guildMember: MemberData }>(w.plain, ONE, {
        guildId: w.guildId,
        userId: w.mod,
      });
      expect(seen.guildMember.timeoutUntil).toBeNull();
      expect(BigInt(seen.guildMember.permissions) & P.MODERATE_MEMBERS).toBe(P.MODERATE_MEMBERS);
    });

    it('needs MODERATE_MEMBERS and a higher role, spares administrators, and bounds the time', async () => {
      const w = await world();
      const adminRole = (
        await h.ok<{ createRole: { id: string } }>(w.owner, CREATE_ROLE, {
          guildId: w.guildId,
          name: 'Admin',
          permissions: bits(P.ADMINISTRATOR),
        })
      ).createRole.id; // position 1, below Mod
      const admin = await h.seed.member(w.guildId, [adminRole]);
      const timeout = (actor: string | undefined, target: string, until: string | null = inHours(1)) =>
        h.as(actor, TIMEOUT, { guildId: w.guildId, userId: target, until });
      expect(codeOf(await timeout(undefined, w.low))).toBe('UNAUTHENTICATED');
      expect(codeOf(await timeout(w.stranger, w.low))).toBe('FORBIDDEN');
      expect(codeOf(await timeout(w.low, w.plain))).toBe('FORBIDDEN');
      expect(codeOf(await timeout(w.mod, w.peer))).toBe('FORBIDDEN');
      expect(codeOf(await timeout(w.mod, w.owner))).toBe('FORBIDDEN');
      expect(codeOf(await timeout(w.mod, w.mod))).toBe('FORBIDDEN');
      expect(codeOf(await timeout(w.owner, w.owner))).toBe('FORBIDDEN');
      expect(codeOf(await timeout(w.mod, admin))).toBe('FORBIDDEN');
      expect(codeOf(await timeout(w.owner, admin))).toBe('FORBIDDEN');
      expect(codeOf(await timeout(w.mod, w.stranger))).toBe('NOT_FOUND');
      expect(codeOf(await timeout(w.mod, 'x'))).toBe('VALIDATION');
      expect(codeOf(await timeout(w.mod, w.plain, new Date(Date.now() - 60_000).toISOString()))).toBe(
        'VALIDATION',
      );
      expect(codeOf(await timeout(w.mod, w.plain, inHours(28 * 24 + 1)))).toBe('VALIDATION');
      expect(codeOf(await timeout(w.mod, w.plain, inHours(28 * 24 - 1)))).toBe('OK');
      expect(codeOf(await timeout(w.owner, w.peer))).toBe('OK');
      expect(await h.auditOf(w.guildId, 'MEMBER_TIMEOUT')).toHaveLength(2);
    });
  });

  it('leaves roles intact: a member write returns fresh data in the same request', async () => {
    const w = await world();
    const result = await h.ok<{ updateMember: MemberData }>(w.low, NICK, {
      guildId: w.guildId,
      userId: w.low,
      nickname: 'lowly',
    });
    expect(result.updateMember).toMatchObject({ nickname: 'lowly', roles: [{ id: w.lowRole }] });
    const stored = await h.db.select().from(roles).where(eq(roles.id, w.lowRole));
    expect(stored).toHaveLength(1);
  });
});
