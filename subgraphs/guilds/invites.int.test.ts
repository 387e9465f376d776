import {
  channelState,
  auditLog,
  bans,
  channelOverwrites,
  channels,
  guildMembers,
  guilds,
  invites,
  memberRoles,
  messages,
} from '@gochat/drizzle';
import { queryRows } from '@gochat/db';
import { createSnowflakeGenerator } from '@gochat/ids';
import { DEFAULT_EVERYONE_PERMISSIONS, PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { generateInviteCode } from './store/invites.ts';
import { openGuildsHarness } from './test-harness.ts';

const seedIds = createSnowflakeGenerator(31);

const INVITE = 'code maxUses uses expiresAt createdAt guild { id } channel { id } inviter { id }';
const CREATE = `mutation($guildId: ID!, $input: CreateInviteInput!) { createInvite(guildId: $guildId, input: $input) { ${INVITE} } }`;
const LIST = `query($guildId: ID!) { guildInvites(guildId: $guildId) { ${INVITE} } }`;
const PREVIEW = `query($code: String!) { invite(code: $code) { code guildId guildName guildIcon guildDescription memberCount expiresAt } }`;
const REVOKE = `mutation($code: String!, $reason: String) { revokeInvite(code: $code, reason: $reason) }`;
const ACCEPT = `mutation($code: String!) { acceptInvite(code: $code) { id } }`;

interface InviteData {
  code: string;
  maxUses: number;
  uses: number;
  expiresAt: string | null;
  createdAt: string;
  guild: { id: string };
  channel: { id: string } | null;
  inviter: { id: string };
}
type Create = { createInvite: InviteData };

const P = PERMISSIONS;
const EVERYONE_WITHOUT_INVITES = DEFAULT_EVERYONE_PERMISSIONS & ~P.CREATE_INVITE;

await describeOnBothDatabases('invites', openGuildsHarness, (h, name) => {
  async function insertInvite(
    guildId: string,
    inviterId: string,
    values: { maxUses?: number; uses?: number; expiresAt?: Date | null } = {},
  ) {
    const code = generateInviteCode();
    await h.db.insert(invites).values({ code, guildId, inviterId, ...values });
    return code;
  }
  const usesOf = async (code: string) =>
    (await h.db.select({ uses: invites.uses }).from(invites).where(eq(invites.code, code)))[0]?.uses;
  async function eventsOf(type: string, match: (data: Record<string, unknown>) => boolean) {
    await h.flush();
    return h.events.events.filter((e) => e.type === type && match(e.data));
  }

  describe('createInvite', () => {
    it('makes an 8-character code with the defaults (7 days, unlimited), audited and announced', async () => {
      const [owner] = await h.seed.users(1);
      const { guildId } = await h.seed.guild(owner!);
      const before = Date.now();
      const invite = (await h.ok<Create>(owner, CREATE, { guildId, input: {} })).createInvite;
      expect(invite.code).toMatch(/^[A-Za-z0-9]{8}$/);
      expect(invite).toMatchObject({
        maxUses: 0,
        uses: 0,
        guild: { id: guildId },
        channel: null,
        inviter: { id: owner },
      });
      const expires = Date.parse(invite.expiresAt!);
      expect(expires).toBeGreaterThanOrEqual(before + 604_800_000 - 5_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 604_800_000 + 5_000);

      const [entry] = await h.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.guildId, guildId), eq(auditLog.action, 'INVITE_CREATE')));
      expect(entry).toMatchObject({ actorId: owner, targetType: 'INVITE', targetId: invite.code });
      const created = await eventsOf('InviteCreated', (d) => d.code === invite.code);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ subject: `guild.${guildId}`, data: { guildId, actorId: owner } });
    });

    it('takes 0 (never) or 60 s to 30 days, and 0-100 uses; anything else is VALIDATION', async () => {
      const [owner] = await h.seed.users(1);
      const { guildId, channelId } = await h.seed.guild(owner!);
      const never = (
        await h.ok<Create>(owner, CREATE, { guildId, input: { maxAgeSeconds: 0, maxUses: 100 } })
      ).createInvite;
      expect(never).toMatchObject({ expiresAt: null, maxUses: 100 });
      const pointed = (
        await h.ok<Create>(owner, CREATE, { guildId, input: { channelId, maxAgeSeconds: 60, maxUses: 1 } })
      ).createInvite;
      expect(pointed.channel).toEqual({ id: channelId });
      expect(Date.parse(pointed.expiresAt!) - Date.parse(pointed.createdAt)).toBeGreaterThanOrEqual(59_000);
      await h.ok(owner, CREATE, { guildId, input: { maxAgeSeconds: 2_592_000 } });
      for (const input of [
        { maxAgeSeconds: 59 },
        { maxAgeSeconds: 2_592_001 },
        { maxAgeSeconds: -1 },
        { maxUses: 101 },
        { maxUses: -1 },
      ])
        expect(codeOf(await h.as(owner, CREATE, { guildId, input })), JSON.stringify(input)).toBe(
          'VALIDATION',
        );
      expect(codeOf(await h.as(owner, CREATE, { guildId: 'x', input: {} }))).toBe('VALIDATION');
      expect(codeOf(await h.as(owner, CREATE, { guildId, input: { channelId: 'x' } }))).toBe('VALIDATION');
    });

    it('allows CREATE_INVITE holders (from @everyone or a role) and refuses everyone else', async () => {
      const [owner, plain, inviter, outsider] = await h.seed.users(4);
      const { guildId } = await h.seed.guild(owner!, { everyone: EVERYONE_WITHOUT_INVITES });
      const inviters = await h.seed.role(guildId, P.CREATE_INVITE);
      await h.seed.join(guildId, plain!);
      await h.seed.join(guildId, inviter!, [inviters]);

      expect(codeOf(await h.as(undefined, CREATE, { guildId, input: {} }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(outsider, CREATE, { guildId, input: {} }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(plain, CREATE, { guildId, input: {} }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(owner, CREATE, { guildId: seedIds.next(), input: {} }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(inviter, CREATE, { guildId, input: {} }))).toBe('OK');
      expect(codeOf(await h.as(owner, CREATE, { guildId, input: {} }))).toBe('OK');
      // Refused attempts leave nothing behind.
      expect(await h.db.select().from(invites).where(eq(invites.guildId, guildId))).toHaveLength(2);
    });

    it('needs CREATE_INVITE in the channel it points at, a channel of this guild that is no category', async () => {
      const [owner, member] = await h.seed.users(2);
      const { guildId, channelId } = await h.seed.guild(owner!);
      await h.seed.join(guildId, member!);
      const other = await h.seed.guild(owner!);
      const categoryId = seedIds.next();
      await h.db.insert(channels).values({ id: categoryId, guildId, kind: 'category', name: 'Cat' });
      const lockedId = seedIds.next();
      await h.db.insert(channels).values({ id: lockedId, guildId, kind: 'text', name: 'locked' });
      await h.db
        .insert(channelOverwrites)
        .values({ channelId: lockedId, targetId: guildId, targetType: 'role', deny: P.CREATE_INVITE });

      expect(codeOf(await h.as(member, CREATE, { guildId, input: { channelId } }))).toBe('OK');
      expect(codeOf(await h.as(member, CREATE, { guildId, input: { channelId: lockedId } }))).toBe(
        'FORBIDDEN',
      );
      expect(codeOf(await h.as(owner, CREATE, { guildId, input: { channelId: lockedId } }))).toBe('OK');
      expect(codeOf(await h.as(owner, CREATE, { guildId, input: { channelId: other.channelId } }))).toBe(
        'NOT_FOUND',
      );
      expect(codeOf(await h.as(owner, CREATE, { guildId, input: { channelId: seedIds.next() } }))).toBe(
        'NOT_FOUND',
      );
      expect(codeOf(await h.as(owner, CREATE, { guildId, input: { channelId: categoryId } }))).toBe(
        'VALIDATION',
      );
    });
  });

  describe('guildInvites', () => {
    it('lists the live invites to MANAGE_GUILD holders only', async () => {
      const [owner, manager, member, outsider] = await h.seed.users(4);
      const { guildId } = await h.seed.guild(owner!);
      const managers = await h.seed.role(guildId, P.MANAGE_GUILD);
      await h.seed.join(guildId, manager!, [managers]);
      await h.seed.join(guildId, member!);
      const liveCode = await insertInvite(guildId, owner!, { maxUses: 2, uses: 1 });
      const neverCode = await insertInvite(guildId, member!, { expiresAt: null });
      await insertInvite(guildId, owner!, { maxUses: 1, uses: 1 });
      await insertInvite(guildId, owner!, { expiresAt: new Date(Date.now() - 1000) });

      type List = { guildInvites: InviteData[] };
      const listed = (await h.ok<List>(manager, LIST, { guildId })).guildInvites;
      expect(listed.map((i) => i.code).sort()).toEqual([liveCode, neverCode].sort());
      expect(codeOf(await h.as(owner, LIST, { guildId }))).toBe('OK');
      expect(codeOf(await h.as(member, LIST, { guildId }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(outsider, LIST, { guildId }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(undefined, LIST, { guildId }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(owner, LIST, { guildId: seedIds.next() }))).toBe('NOT_FOUND');
    });
  });

  describe('invite preview', () => {
    it('shows any signed-in user the guild without joining; NOT_FOUND when unknown, expired or used up', async () => {
      const [owner, member, stranger] = await h.seed.users(3);
      const { guildId } = await h.seed.guild(owner!);
      await h.seed.join(guildId, member!);
      await h.db
        .update(guilds)
        .set({ name: 'Invite Guild', description: 'about', icon: 'asset:icon' })
        .where(eq(guilds.id, guildId));
      const code = await insertInvite(guildId, owner!, { expiresAt: null });

      type Preview = { invite: Record<string, unknown> };
      const preview = (await h.ok<Preview>(stranger, PREVIEW, { code })).invite;
      expect(preview).toEqual({
        code,
        guildId,
        guildName: 'Invite Guild',
        guildIcon: 'asset:icon',
        guildDescription: 'about',
        memberCount: 2,
        expiresAt: null,
      });
      expect(await h.isMember(guildId, stranger!)).toBe(false);
      expect(codeOf(await h.as(undefined, PREVIEW, { code }))).toBe('UNAUTHENTICATED');
      const usedUp = await insertInvite(guildId, owner!, { maxUses: 3, uses: 3 });
      const expired = await insertInvite(guildId, owner!, { expiresAt: new Date(Date.now() - 1) });
      for (const gone of [usedUp, expired, 'Zz999999', 'not a code at all'])
        expect(codeOf(await h.as(stranger, PREVIEW, { code: gone })), gone).toBe('NOT_FOUND');
    });
  });

  describe('revokeInvite', () => {
    it('lets the inviter and MANAGE_GUILD holders revoke, audited and announced', async () => {
      const [owner, inviter, manager, member, outsider] = await h.seed.users(5);
      const { guildId } = await h.seed.guild(owner!);
      const managers = await h.seed.role(guildId, P.MANAGE_GUILD);
      await h.seed.join(guildId, manager!, [managers]);
      await h.seed.join(guildId, inviter!);
      await h.seed.join(guildId, member!);
      const own = await insertInvite(guildId, inviter!);
      const other = await insertInvite(guildId, inviter!);
      const third = await insertInvite(guildId, inviter!);

      expect(codeOf(await h.as(undefined, REVOKE, { code: own }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(outsider, REVOKE, { code: own }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(member, REVOKE, { code: own }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(member, REVOKE, { code: 'Qq000000' }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(owner, REVOKE, { code: own, reason: 'x'.repeat(513) }))).toBe('VALIDATION');
      expect(await usesOf(own)).toBe(0); // still there

      expect(await h.ok(inviter, REVOKE, { code: own })).toEqual({ revokeInvite: true });
      expect(await h.ok(manager, REVOKE, { code: other, reason: 'spam' })).toEqual({ revokeInvite: true });
      expect(await h.ok(owner, REVOKE, { code: third })).toEqual({ revokeInvite: true });
      expect(await h.db.select().from(invites).where(eq(invites.guildId, guildId))).toEqual([]);
      expect(codeOf(await h.as(owner, REVOKE, { code: own }))).toBe('NOT_FOUND');

      const entries = await h.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.guildId, guildId), eq(auditLog.action, 'INVITE_DELETE')));
      expect(entries.map((e) => [e.actorId, e.targetId, e.reason]).sort()).toEqual(
        [
          [inviter, own, null],
          [manager, other, 'spam'],
          [owner, third, null],
        ].sort(),
      );
      const deleted = await eventsOf('InviteDeleted', (d) => d.guildId === guildId);
      expect(deleted.map((e) => e.data.code).sort()).toEqual([own, other, third].sort());
    });
  });

  describe('acceptInvite', () => {
    it('joins, consumes one use and posts the join message to the system channel', async () => {
      const [owner, joiner] = await h.seed.users(2);
      const { guildId, channelId } = await h.seed.guild(owner!);
      const code = await insertInvite(guildId, owner!, { maxUses: 5 });

      expect(await h.ok(joiner, ACCEPT, { code })).toEqual({ acceptInvite: { id: guildId } });
      expect(await h.isMember(guildId, joiner!)).toBe(true);
      expect(await usesOf(code)).toBe(1);
      const posted = await h.db.select().from(messages).where(eq(messages.channelId, channelId));
      expect(posted).toHaveLength(1);
      expect(posted[0]).toMatchObject({ authorId: joiner, kind: 'guild_member_join', content: '' });
      // It is the system channel's last message, so the channel shows as unread.
      const [state] = await h.db.select().from(channelState).where(eq(channelState.channelId, channelId));
      expect(state?.lastMessageId).toBe(posted[0]!.id);

      const added = await eventsOf('GuildMemberAdded', (d) => d.guildId === guildId && d.userId === joiner);
      // To the guild, and to the joiner's other clients.
      expect(added.map((e) => e.subject).sort()).toEqual([`guild.${guildId}`, `user.${joiner}`].sort());
      for (const event of added) expect(event.data).toEqual({ guildId, userId: joiner, inviteCode: code });
      const created = await eventsOf('MessageCreated', (d) => d.channelId === channelId);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({
        subject: `channel.${guildId}.${channelId}.messages`,
        data: { messageId: posted[0]!.id, guildId, authorId: joiner },
      });
    });

    it('is idempotent: a member gets the guild back without using the invite up', async () => {
      const [owner, joiner] = await h.seed.users(2);
      const { guildId, channelId } = await h.seed.guild(owner!);
      const code = await insertInvite(guildId, owner!, { maxUses: 1 });
      await h.ok(joiner, ACCEPT, { code });
      // Retried (the invite is now used up) and by the owner: no second use, message or event.
      expect(await h.ok(joiner, ACCEPT, { code })).toEqual({ acceptInvite: { id: guildId } });
      const unlimited = await insertInvite(guildId, owner!);
      expect(await h.ok(owner, ACCEPT, { code: unlimited })).toEqual({ acceptInvite: { id: guildId } });
      expect(await usesOf(code)).toBe(1);
      expect(await usesOf(unlimited)).toBe(0);
      expect(await h.db.select().from(messages).where(eq(messages.channelId, channelId))).toHaveLength(1);
      // One join: its event on the guild's subject and on the joiner's.
      expect(await eventsOf('GuildMemberAdded', (d) => d.guildId === guildId)).toHaveLength(2);
    });

    it('posts nothing when the guild has no system channel', async () => {
      const [owner, joiner] = await h.seed.users(2);
      const { guildId, channelId } = await h.seed.guild(owner!, { systemChannel: false });
      const code = await insertInvite(guildId, owner!);
      await h.ok(joiner, ACCEPT, { code });
      expect(await h.isMember(guildId, joiner!)).toBe(true);
      expect(await h.db.select().from(messages).where(eq(messages.channelId, channelId))).toEqual([]);
    });

    it('refuses anonymous callers, unknown, expired and used-up invites, and banned users', async () => {
      const [owner, joiner, banned] = await h.seed.users(3);
      const { guildId } = await h.seed.guild(owner!);
      const code = await insertInvite(guildId, owner!);
      const usedUp = await insertInvite(guildId, owner!, { maxUses: 2, uses: 2 });
      const expired = await insertInvite(guildId, owner!, { expiresAt: new Date(Date.now() - 1) });
      await h.db.insert(bans).values({ guildId, userId: banned!, moderatorId: owner! });

      expect(codeOf(await h.as(undefined, ACCEPT, { code }))).toBe('UNAUTHENTICATED');
      for (const gone of [usedUp, expired, 'Ab345678', ''])
        expect(codeOf(await h.as(joiner, ACCEPT, { code: gone })), gone).toBe('NOT_FOUND');
      expect(codeOf(await h.as(banned, ACCEPT, { code }))).toBe('FORBIDDEN');
      expect(await h.isMember(guildId, joiner!)).toBe(false);
      expect(await h.isMember(guildId, banned!)).toBe(false);
      // Refusals consume nothing.
      expect(await usesOf(code)).toBe(0);
      expect(await usesOf(usedUp)).toBe(2);
    });
  });

  if (name === 'postgres')
    describe('concurrency (real PostgreSQL)', () => {
      /** Rows anywhere that still belong to the (deleted) guild. */
      async function leftovers(guildId: string) {
        const counts: Record<string, number> = {};
        for (const table of [
          'guilds',
          'guild_members',
          'member_roles',
          'invites',
          'channels',
          'roles',
          'emojis',
          'bans',
        ]) {
          const column = table === 'guilds' ? 'id' : 'guild_id';
          const [row] = await queryRows<{ n: number }>(
            h.db,
            sql`select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(column)} = ${guildId}`,
          );
          counts[table] = Number(row?.n);
        }
        const [orphans] = await queryRows<{ n: number }>(
          h.db,
          sql`select count(*)::int as n from messages m where not exists (select 1 from channels c where c.id = m.channel_id)`,
        );
        counts.messages = Number(orphans?.n);
        return counts;
      }
      const nothingLeft = {
        guilds: 0,
        guild_members: 0,
        member_roles: 0,
        invites: 0,
        channels: 0,
        roles: 0,
        emojis: 0,
        bans: 0,
        messages: 0,
      };

      it('ten users accepting a single-use invite at once: exactly one joins', async () => {
        const [owner, ...joiners] = await h.seed.users(11);
        const { guildId } = await h.seed.guild(owner!);
        const code = await insertInvite(guildId, owner!, { maxUses: 1 });

        const results = await Promise.all(joiners.map((u) => h.as(u, ACCEPT, { code })));
        const codes = results.map(codeOf);
        expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
        expect(codes.filter((c) => c === 'NOT_FOUND')).toHaveLength(9);
        expect(await usesOf(code)).toBe(1);
        const members = await h.db.select().from(guildMembers).where(eq(guildMembers.guildId, guildId));
        expect(members).toHaveLength(2);
        const winner = joiners[codes.indexOf('OK')];
        expect(members.map((m) => m.userId).sort()).toEqual([owner, winner].sort());
      });

      it('the same user accepting twice at once joins once and consumes one use', async () => {
        const [owner, joiner] = await h.seed.users(2);
        const { guildId, channelId } = await h.seed.guild(owner!);
        const code = await insertInvite(guildId, owner!, { maxUses: 5 });
        const results = await Promise.all(Array.from({ length: 4 }, () => h.as(joiner, ACCEPT, { code })));
        expect(results.map(codeOf)).toEqual(['OK', 'OK', 'OK', 'OK']);
        expect(await usesOf(code)).toBe(1);
        expect(await h.db.select().from(messages).where(eq(messages.channelId, channelId))).toHaveLength(1);
      });

      it('deleting the guild while users join leaves no orphans, and every accept joined or got NOT_FOUND', async () => {
        const [owner, ...joiners] = await h.seed.users(32);
        const { guildId } = await h.seed.guild(owner!);
        const helpers = await h.seed.role(guildId, P.CREATE_INVITE);
        const code = await insertInvite(guildId, owner!);
        // Some joins complete before the race starts, with roles (member_roles must go too).
        for (const early of joiners.slice(0, 2)) {
          await h.ok(early, ACCEPT, { code });
          await h.db.insert(memberRoles).values({ guildId, userId: early, roleId: helpers });
        }
        // Joins trickle in over ~500 ms (joins that overlap without a gap hold the guild row and keep
        // the delete waiting); the owner deletes the guild once the third has joined, while a burst of
        // joins arrives at the same moment.
        const trickle = joiners.slice(2, 22);
        const burst = joiners.slice(22);
        let joined = 0;
        let startDeletion: () => void = () => undefined;
        const deletionDue = new Promise<void>((resolve) => (startDeletion = resolve));
        const accepts = trickle.map((u, i) =>
          new Promise((resolve) => setTimeout(resolve, i * 25))
            .then(() => h.as(u, ACCEPT, { code }))
            .then((result) => {
              if (codeOf(result) === 'OK' && ++joined === 3) startDeletion();
              return result;
            }),
        );
        const deletion = deletionDue.then(() =>
          h.as(owner, `mutation($id: ID!) { deleteGuild(id: $id) }`, { id: guildId }),
        );
        const bursting = deletionDue.then(() => Promise.all(burst.map((u) => h.as(u, ACCEPT, { code }))));
        const [deleted, burstResults, ...trickleResults] = await Promise.all([
          deletion,
          bursting,
          ...accepts,
        ]);
        expect(codeOf(deleted)).toBe('OK');
        const codes = [...burstResults, ...trickleResults].map(codeOf);
        for (const code of codes) expect(['OK', 'NOT_FOUND']).toContain(code);
        expect(codes.filter((c) => c === 'OK').length).toBeGreaterThanOrEqual(3);

        expect(await leftovers(guildId)).toEqual(nothingLeft);
      });

      it('joins arriving while the guild is being deleted wait for it, then get NOT_FOUND and leave nothing', async () => {
        const [owner, ...joiners] = await h.seed.users(6);
        const { guildId } = await h.seed.guild(owner!);
        const code = await insertInvite(guildId, owner!);
        let deleting: () => void = () => undefined;
        const started = new Promise<void>((resolve) => (deleting = resolve));
        let release: () => void = () => undefined;
        const released = new Promise<void>((resolve) => (release = resolve));
        // The delete holds the guild row, uncommitted, while the joins come in.
        const deletion = h.db.transaction(async (tx) => {
          await tx.delete(guilds).where(eq(guilds.id, guildId));
          deleting();
          await released;
        });
        await started;
        const accepts = joiners.map((u) => h.as(u, ACCEPT, { code }));
        await new Promise((resolve) => setTimeout(resolve, 200));
        release();
        await deletion;
        expect((await Promise.all(accepts)).map(codeOf)).toEqual(joiners.map(() => 'NOT_FOUND'));
        expect(await leftovers(guildId)).toEqual(nothingLeft);
      });
    });
});
