import { queryRows } from '@gochat/db';
import { auditLog, channelOverwrites, channels, guildMembers, memberRoles, roles } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { ALL_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, PERMISSIONS as P } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { membersStore } from './store/members.ts';
import { normalisePositions } from './store/roles.ts';
import { openGuildsHarness } from './test-harness.ts';

const seedIds = createSnowflakeGenerator(77);

const ROLE = 'id name color hoist mentionable position permissions permissionNames isEveryone guild { id }';
const CREATE_GUILD = `mutation($name: String!) { createGuild(input: { name: $name }) { id } }`;
const CREATE = `mutation($guildId: ID!, $input: CreateRoleInput!, $reason: String) { createRole(guildId: $guildId, input: $input, reason: $reason) { ${ROLE} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateRoleInput!, $reason: String) { updateRole(id: $id, input: $input, reason: $reason) { ${ROLE} } }`;
const DELETE = `mutation($id: ID!, $reason: String) { deleteRole(id: $id, reason: $reason) }`;
const REORDER = `mutation($guildId: ID!, $positions: [RolePositionInput!]!) { reorderRoles(guildId: $guildId, positions: $positions) { id position } }`;
const ADD = `mutation($guildId: ID!, $userId: ID!, $roleId: ID!, $reason: String) { addMemberRole(guildId: $guildId, userId: $userId, roleId: $roleId, reason: $reason) { user { id } roles { id } permissions } }`;
const REMOVE = `mutation($guildId: ID!, $userId: ID!, $roleId: ID!) { removeMemberRole(guildId: $guildId, userId: $userId, roleId: $roleId) { roles { id } } }`;
const ROLES = `query($id: ID!) { guild(id: $id) { roles { id name position isEveryone } } }`;
const ENTITY = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Role { id name guild { id } } } }`;

interface RoleData {
  id: string;
  name: string;
  color: number;
  hoist: boolean;
  mentionable: boolean;
  position: number;
  permissions: string;
  permissionNames: string[];
  isEveryone: boolean;
  guild: { id: string };
}
const bits = (...list: bigint[]) => list.reduce((a, b) => a | b, 0n).toString();

await describeOnBothDatabases('roles', openGuildsHarness, (h, name) => {
  /**
   * A guild with roles A (position 3), Mod (2, MANAGE_ROLES) and C (1); a moderator holding Mod,
   * a plain member and a stranger.
   */
  async function world() {
    const owner = await h.createUser();
    const guildId = (await h.ok<{ createGuild: { id: string } }>(owner, CREATE_GUILD, { name: 'Roles' }))
      .createGuild.id;
    const role = async (roleName: string, permissions = '0') =>
      (
        await h.ok<{ createRole: RoleData }>(owner, CREATE, {
          guildId,
          input: { name: roleName, permissions },
        })
      ).createRole;
    const a = await role('A');
    const modRole = await role('Mod', bits(P.MANAGE_ROLES, P.KICK_MEMBERS));
    const c = await role('C');
    const mod = await h.seed.member(guildId, [modRole.id]);
    const plain = await h.seed.member(guildId);
    const stranger = await h.createUser();
    return { owner, guildId, a, modRole, c, mod, plain, stranger };
  }

  async function eventsOf(type: string, guildId: string) {
    await h.flush();
    return h.events.events.filter(
      (e) => e.type === type && (e.data as { guildId?: string }).guildId === guildId,
    );
  }
  /** Inserts 245 roles above the world's three: 249 with @everyone, one short of the limit. */
  const fillRoles = (guildId: string) =>
    h.db.insert(roles).values(
      Array.from({ length: 245 }, (_, i) => ({
        id: seedIds.next(),
        guildId,
        name: `r${i}`,
        position: 4 + i,
      })),
    );
  const rolesOf = async (userId: string, guildId: string) =>
    (
      await h.ok<{
        guild: { roles: { id: string; name: string; position: number; isEveryone: boolean }[] };
      }>(userId, ROLES, { id: guildId })
    ).guild.roles;

  describe('createRole', () => {
    it('puts new roles at position 1, lists @everyone first, and audits and announces', async () => {
      const w = await world();
      const listed = await rolesOf(w.plain, w.guildId);
      expect(listed.map((r) => [r.name, r.position, r.isEveryone])).toEqual([
        ['@everyone', 0, true],
        ['C', 1, false],
        ['Mod', 2, false],
        ['A', 3, false],
      ]);
      expect(w.modRole).toMatchObject({
        permissions: bits(P.MANAGE_ROLES, P.KICK_MEMBERS),
        permissionNames: ['KICK_MEMBERS', 'MANAGE_ROLES'],
        isEveryone: false,
        color: 0,
        hoist: false,
        mentionable: false,
        guild: { id: w.guildId },
      });

      const created = (
        await h.ok<{ createRole: RoleData }>(w.owner, CREATE, {
          guildId: w.guildId,
          input: { name: '  Blue  ', color: 255, hoist: true, mentionable: true },
          reason: 'for the blues',
        })
      ).createRole;
      expect(created).toMatchObject({
        name: 'Blue',
        color: 255,
        hoist: true,
        position: 1,
        permissions: '0',
      });
      expect((await rolesOf(w.owner, w.guildId)).map((r) => r.name)).toEqual([
        '@everyone',
        'Blue',
        'C',
        'Mod',
        'A',
      ]);

      const [entry] = (await h.auditOf(w.guildId, 'ROLE_CREATE')).filter((e) => e.targetId === created.id);
      expect(entry).toMatchObject({ actorId: w.owner, targetType: 'ROLE', reason: 'for the blues' });
      expect(entry!.changes).toEqual(
        expect.arrayContaining([
          { key: 'name', after: 'Blue' },
          { key: 'color', after: 255 },
          { key: 'permissions', after: '0' },
        ]),
      );
      const events = await eventsOf('RoleCreated', w.guildId);
      expect(events.map((e) => (e.data as { roleId: string }).roleId)).toContain(created.id);
      expect(events[0]!.subject).toBe(`guild.${w.guildId}`);
    });

    it('refuses anonymous callers, strangers and members without MANAGE_ROLES', async () => {
      const w = await world();
      const vars = { guildId: w.guildId, input: { name: 'x' } };
      expect(codeOf(await h.as(undefined, CREATE, vars))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(w.stranger, CREATE, vars))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.plain, CREATE, vars))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.plain, CREATE, { ...vars, guildId: seedIds.next() }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(w.mod, CREATE, vars))).toBe('OK');
    });

    it('grants only bits the creator holds', async () => {
      const w = await world();
      const create = (userId: string, permissions: string) =>
        h.as(userId, CREATE, { guildId: w.guildId, input: { name: 'p', permissions } });
      expect(codeOf(await create(w.mod, bits(P.ADMINISTRATOR)))).toBe('FORBIDDEN');
      expect(codeOf(await create(w.mod, bits(P.BAN_MEMBERS)))).toBe('FORBIDDEN');
      // Held through the role or through @everyone.
      expect(codeOf(await create(w.mod, bits(P.KICK_MEMBERS, P.SEND_MESSAGES)))).toBe('OK');
      expect(codeOf(await create(w.owner, bits(P.ADMINISTRATOR)))).toBe('OK');
    });

    it('validates the input', async () => {
      const w = await world();
      const create = (input: Record<string, unknown>, reason?: string) =>
        h.as(w.owner, CREATE, { guildId: w.guildId, input: { name: 'ok', ...input }, reason });
      for (const input of [
        { name: '' },
        { name: '   ' },
        { name: 'x'.repeat(101) },
        { color: -1 },
        { color: 16777216 },
        { permissions: 'abc' },
        { permissions: '-8' },
        { permissions: (1n << 8n).toString() }, // a bit GoChat does not know
      ])
        expect(codeOf(await create(input)), JSON.stringify(input)).toBe('VALIDATION');
      expect(codeOf(await create({}, 'r'.repeat(513)))).toBe('VALIDATION');
      expect(codeOf(await h.as(w.owner, CREATE, { guildId: 'nope', input: { name: 'x' } }))).toBe(
        'VALIDATION',
      );
      expect(codeOf(await create({ name: 'x'.repeat(100), color: 16777215 }))).toBe('OK');
    });

    it('stops at 250 roles, @everyone included', async () => {
      const w = await world(); // @everyone + 3
      await fillRoles(w.guildId);
      const create = () => h.as(w.owner, CREATE, { guildId: w.guildId, input: { name: 'more' } });
      expect(codeOf(await create())).toBe('OK');
      expect(codeOf(await create())).toBe('LIMIT_REACHED');
      const [count] = await h.db
        .select({ n: sql<number>`count(*)::int` })
        .from(roles)
        .where(eq(roles.guildId, w.guildId));
      expect(Number(count!.n)).toBe(250);
    });

    it('lets exactly one of two racing creates take the last slot', async () => {
      const w = await world();
      await fillRoles(w.guildId); // 249 roles
      const results = await Promise.all(
        [1, 2].map((n) => h.as(w.owner, CREATE, { guildId: w.guildId, input: { name: `race${n}` } })),
      );
      expect(results.map(codeOf).sort()).toEqual(['LIMIT_REACHED', 'OK']);
      const positions = await h.db
        .select({ position: roles.position })
        .from(roles)
        .where(eq(roles.guildId, w.guildId));
      expect(positions).toHaveLength(250);
    });
  });

  describe('updateRole', () => {
    it('follows the hierarchy: below your highest role only, unless you own the guild', async () => {
      const w = await world();
      const update = (userId: string, roleId: string, input: Record<string, unknown>) =>
        h.as<{ updateRole: RoleData }>(userId, UPDATE, { id: roleId, input });
      expect(codeOf(await update(w.mod, w.c.id, { name: 'C2', color: 7 }))).toBe('OK');
      expect(codeOf(await update(w.mod, w.modRole.id, { name: 'mine' }))).toBe('FORBIDDEN');
      expect(codeOf(await update(w.mod, w.a.id, { name: 'above' }))).toBe('FORBIDDEN');
      expect(codeOf(await update(w.plain, w.c.id, { name: 'nope' }))).toBe('FORBIDDEN');
      expect(codeOf(await update(w.stranger, w.c.id, { name: 'nope' }))).toBe('FORBIDDEN');
      expect(codeOf(await update(undefined as unknown as string, w.c.id, { name: 'x' }))).toBe(
        'UNAUTHENTICATED',
      );
      expect(codeOf(await update(w.owner, w.a.id, { name: 'A!' }))).toBe('OK');
      expect(codeOf(await update(w.owner, seedIds.next(), { name: 'A!' }))).toBe('NOT_FOUND');
      expect(codeOf(await update(w.owner, 'x', { name: 'A!' }))).toBe('VALIDATION');

      // An administrator is still bound by the hierarchy (Discord).
      const adminRole = (
        await h.ok<{ createRole: RoleData }>(w.owner, CREATE, {
          guildId: w.guildId,
          input: { name: 'Admin', permissions: bits(P.ADMINISTRATOR) },
        })
      ).createRole; // position 1; C is now 2
      const admin = await h.seed.member(w.guildId, [adminRole.id]);
      expect(codeOf(await update(admin, w.c.id, { name: 'x' }))).toBe('FORBIDDEN');
    });

    it('changes only bits the caller holds, and never ADMINISTRATOR without it', async () => {
      const w = await world();
      const setBits = (userId: string, permissions: string) =>
        h.as<{ updateRole: RoleData }>(userId, UPDATE, { id: w.c.id, input: { permissions } });
      expect(codeOf(await setBits(w.mod, bits(P.ADMINISTRATOR)))).toBe('FORBIDDEN');
      expect(codeOf(await setBits(w.mod, bits(P.MANAGE_GUILD)))).toBe('FORBIDDEN');
      const ok = await setBits(w.mod, bits(P.KICK_MEMBERS));
      expect(ok.data?.updateRole.permissionNames).toEqual(['KICK_MEMBERS']);
      // The owner gives C a bit the moderator lacks: the moderator may still edit C's other fields and
      // resubmit its bits unchanged, but not take that bit away.
      await h.ok(w.owner, UPDATE, {
        id: w.c.id,
        input: { permissions: bits(P.KICK_MEMBERS, P.BAN_MEMBERS) },
      });
      expect(codeOf(await setBits(w.mod, bits(P.KICK_MEMBERS, P.BAN_MEMBERS)))).toBe('OK');
      expect(codeOf(await h.as(w.mod, UPDATE, { id: w.c.id, input: { hoist: true } }))).toBe('OK');
      expect(codeOf(await setBits(w.mod, bits(P.KICK_MEMBERS)))).toBe('FORBIDDEN');
      expect(codeOf(await setBits(w.owner, bits(P.ADMINISTRATOR)))).toBe('OK');
    });

    it('lets MANAGE_ROLES holders edit @everyone but nobody rename it', async () => {
      const w = await world();
      const everyone = w.guildId;
      const update = (userId: string, input: Record<string, unknown>) =>
        h.as<{ updateRole: RoleData }>(userId, UPDATE, { id: everyone, input });
      const without = (DEFAULT_EVERYONE_PERMISSIONS & ~P.ADD_REACTIONS).toString();
      const result = await update(w.mod, { permissions: without });
      expect(codeOf(result)).toBe('OK');
      expect(result.data?.updateRole).toMatchObject({
        isEveryone: true,
        position: 0,
        permissions: without,
      });
      expect(codeOf(await update(w.plain, { permissions: without }))).toBe('FORBIDDEN');
      expect(codeOf(await update(w.mod, { permissions: bits(P.ADMINISTRATOR) }))).toBe('FORBIDDEN');
      expect(codeOf(await update(w.owner, { name: 'everybody' }))).toBe('VALIDATION');
      expect(codeOf(await update(w.owner, { name: '@everyone', color: 3 }))).toBe('OK');
    });

    it('validates, records the diff, announces the fields, and records nothing for no change', async () => {
      const w = await world();
      for (const input of [
        { name: '' },
        { color: 1 << 24 },
        { permissions: 'x' },
        { name: null },
        { hoist: null },
      ])
        expect(codeOf(await h.as(w.owner, UPDATE, { id: w.c.id, input })), JSON.stringify(input)).toBe(
          'VALIDATION',
        );
      await h.ok(w.owner, UPDATE, {
        id: w.c.id,
        input: { name: 'Cee', color: 10, permissions: bits(P.SEND_MESSAGES) },
        reason: 'tidy',
      });
      await h.ok(w.owner, UPDATE, { id: w.c.id, input: { name: 'Cee' } }); // no change
      const entries = (await h.auditOf(w.guildId, 'ROLE_UPDATE')).filter((e) => e.targetId === w.c.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actorId: w.owner, reason: 'tidy', targetType: 'ROLE' });
      expect(entries[0]!.changes).toEqual([
        { key: 'name', before: 'C', after: 'Cee' },
        { key: 'color', before: 0, after: 10 },
        { key: 'permissions', before: '0', after: bits(P.SEND_MESSAGES) },
      ]);
      const events = (await eventsOf('RoleUpdated', w.guildId)).filter(
        (e) => (e.data as { roleId: string }).roleId === w.c.id,
      );
      expect(events.map((e) => e.data)).toEqual([
        { guildId: w.guildId, actorId: w.owner, roleId: w.c.id, fields: ['name', 'color', 'permissions'] },
      ]);
    });
  });

  describe('deleteRole', () => {
    it('deletes a lower role with its assignments and overwrites, and audits its old fields', async () => {
      const w = await world();
      const holder = await h.seed.member(w.guildId, [w.c.id]);
      const [general] = await h.db
        .select()
        .from(channels)
        .where(and(eq(channels.guildId, w.guildId), eq(channels.kind, 'text')));
      await h.db.insert(channelOverwrites).values({
        channelId: general!.id,
        targetId: w.c.id,
        targetType: 'role',
        allow: P.SEND_MESSAGES,
      });
      expect(codeOf(await h.as(w.mod, DELETE, { id: w.modRole.id }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.mod, DELETE, { id: w.a.id }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.plain, DELETE, { id: w.c.id }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(w.mod, DELETE, { id: w.guildId }))).toBe('VALIDATION');
      expect(codeOf(await h.as(w.owner, DELETE, { id: w.guildId }))).toBe('VALIDATION');

      expect(await h.ok(w.mod, DELETE, { id: w.c.id, reason: 'unused' })).toEqual({ deleteRole: w.c.id });
      expect(await h.db.select().from(roles).where(eq(roles.id, w.c.id))).toEqual([]);
      expect(await h.db.select().from(memberRoles).where(eq(memberRoles.userId, holder))).toEqual([]);
      expect(
        await h.db.select().from(channelOverwrites).where(eq(channelOverwrites.targetId, w.c.id)),
      ).toEqual([]);
      expect(codeOf(await h.as(w.mod, DELETE, { id: w.c.id }))).toBe('NOT_FOUND');

      const [entry] = await h.auditOf(w.guildId, 'ROLE_DELETE');
      expect(entry).toMatchObject({ actorId: w.mod, targetId: w.c.id, reason: 'unused' });
      expect(entry!.changes).toEqual(
        expect.arrayContaining([
          { key: 'name', before: 'C' },
          { key: 'position', before: 1 },
        ]),
      );
      expect((await eventsOf('RoleDeleted', w.guildId)).map((e) => e.data)).toEqual([
        { guildId: w.guildId, actorId: w.mod, roleId: w.c.id },
      ]);
      const channelEvents = await eventsOf('ChannelUpdated', w.guildId);
      expect(channelEvents.map((e) => e.data)).toContainEqual(
        expect.objectContaining({ channelId: general!.id, fields: ['overwrites'] }),
      );

      // The owner deletes anything but @everyone.
      expect(codeOf(await h.as(w.owner, DELETE, { id: w.a.id }))).toBe('OK');
    });
  });

  describe('reorderRoles', () => {
    it('moves roles below the caller and renumbers 1..n in the requested order', async () => {
      const w = await world();
      const extra = (
        await h.ok<{ createRole: RoleData }>(w.owner, CREATE, { guildId: w.guildId, input: { name: 'D' } })
      ).createRole; // D 1, C 2, Mod 3, A 4
      const reorder = (userId: string, positions: { id: string; position: number }[]) =>
        h.as<{ reorderRoles: { id: string; position: number }[] }>(userId, REORDER, {
          guildId: w.guildId,
          positions,
        });
      // The moderator (rank 3) swaps D and C.
      const swapped = await reorder(w.mod, [
        { id: extra.id, position: 2 },
        { id: w.c.id, position: 1 },
      ]);
      expect(codeOf(swapped)).toBe('OK');
      expect(swapped.data?.reorderRoles).toEqual([
        { id: w.guildId, position: 0 },
        { id: w.c.id, position: 1 },
        { id: extra.id, position: 2 },
        { id: w.modRole.id, position: 3 },
        { id: w.a.id, position: 4 },
      ]);
      // Not to or above their own rank, not their own role, not a role above them.
      expect(codeOf(await reorder(w.mod, [{ id: w.c.id, position: 3 }]))).toBe('FORBIDDEN');
      expect(codeOf(await reorder(w.mod, [{ id: w.modRole.id, position: 1 }]))).toBe('FORBIDDEN');
      expect(codeOf(await reorder(w.mod, [{ id: w.a.id, position: 1 }]))).toBe('FORBIDDEN');
      expect(codeOf(await reorder(w.plain, [{ id: w.c.id, position: 2 }]))).toBe('FORBIDDEN');
      expect(codeOf(await reorder(w.stranger, [{ id: w.c.id, position: 2 }]))).toBe('FORBIDDEN');
      // Bad input.
      expect(codeOf(await reorder(w.owner, [{ id: w.c.id, position: 0 }]))).toBe('VALIDATION');
      expect(codeOf(await reorder(w.owner, []))).toBe('VALIDATION');
      expect(codeOf(await reorder(w.owner, [{ id: w.guildId, position: 1 }]))).toBe('VALIDATION');
      expect(
        codeOf(
          await reorder(w.owner, [
            { id: w.c.id, position: 1 },
            { id: w.c.id, position: 2 },
          ]),
        ),
      ).toBe('VALIDATION');
      expect(codeOf(await reorder(w.owner, [{ id: seedIds.next(), position: 1 }]))).toBe('NOT_FOUND');
      const other = await world();
      expect(codeOf(await reorder(w.owner, [{ id: other.c.id, position: 1 }]))).toBe('NOT_FOUND');

      // The owner moves A to the bottom; gaps and big numbers renumber to 1..n.
      const moved = await reorder(w.owner, [{ id: w.a.id, position: 1 }]);
      expect(moved.data?.reorderRoles.map((r) => [r.id, r.position])).toEqual([
        [w.guildId, 0],
        [w.a.id, 1],
        [w.c.id, 2],
        [extra.id, 3],
        [w.modRole.id, 4],
      ]);
      const top = await reorder(w.owner, [{ id: w.a.id, position: 99 }]);
      expect(top.data?.reorderRoles.map((r) => r.id)).toEqual([
        w.guildId,
        w.c.id,
        extra.id,
        w.modRole.id,
        w.a.id,
      ]);
      expect(top.data?.reorderRoles.map((r) => r.position)).toEqual([0, 1, 2, 3, 4]);

      const entries = await h.auditOf(w.guildId, 'ROLES_REORDER');
      expect(entries.length).toBe(3);
      expect(entries.find((e) => e.actorId === w.mod)!.changes).toEqual(
        expect.arrayContaining([
          { key: `position.${w.c.id}`, before: 2, after: 1 },
          { key: `position.${extra.id}`, before: 1, after: 2 },
        ]),
      );
      const events = await eventsOf('RolesReordered', w.guildId);
      expect(events).toHaveLength(3);
      expect((events[0]!.data as { roleIds: string[] }).roleIds.sort()).toEqual([extra.id, w.c.id].sort());
    });
  });

  describe('addMemberRole and removeMemberRole', () => {
    it('assigns roles below the caller to members, idempotently, with audit and events', async () => {
      const w = await world();
      const add = (userId: string, target: string, roleId: string) =>
        h.as<{ addMemberRole: { roles: { id: string }[]; permissions: string } }>(userId, ADD, {
          guildId: w.guildId,
          userId: target,
          roleId,
        });
      const first = await add(w.mod, w.plain, w.c.id);
      expect(codeOf(first)).toBe('OK');
      expect(first.data?.addMemberRole.roles).toEqual([{ id: w.c.id }]);
      expect(codeOf(await add(w.mod, w.plain, w.c.id))).toBe('OK'); // idempotent
      expect(codeOf(await add(w.mod, w.plain, w.modRole.id))).toBe('FORBIDDEN');
      expect(codeOf(await add(w.mod, w.plain, w.a.id))).toBe('FORBIDDEN');
      expect(codeOf(await add(w.plain, w.plain, w.c.id))).toBe('FORBIDDEN');
      expect(codeOf(await add(w.stranger, w.plain, w.c.id))).toBe('FORBIDDEN');
      expect(codeOf(await add(w.mod, w.plain, w.guildId))).toBe('VALIDATION');
      expect(codeOf(await add(w.mod, w.plain, seedIds.next()))).toBe('NOT_FOUND');
      expect(codeOf(await add(w.mod, w.stranger, w.c.id))).toBe('NOT_FOUND');
      const other = await world();
      expect(codeOf(await add(w.mod, w.plain, other.c.id))).toBe('NOT_FOUND');

      // The owner gives anything; roles come highest first; permissions follow.
      const both = await add(w.owner, w.plain, w.a.id);
      expect(both.data?.addMemberRole.roles).toEqual([{ id: w.a.id }, { id: w.c.id }]);
      const modded = await add(w.owner, w.plain, w.modRole.id);
      expect(BigInt(modded.data!.addMemberRole.permissions) & P.MANAGE_ROLES).toBe(P.MANAGE_ROLES);

      const added = (await h.auditOf(w.guildId, 'MEMBER_ROLE_ADD')).filter((e) => e.targetId === w.plain);
      expect(added).toHaveLength(3); // the repeated add recorded nothing
      expect(added.find((e) => e.actorId === w.mod)).toMatchObject({
        targetType: 'MEMBER',
        changes: [{ key: 'roles', after: [w.c.id] }],
      });
      const events = (await eventsOf('GuildMemberUpdated', w.guildId)).filter(
        (e) => (e.data as { userId: string }).userId === w.plain,
      );
      expect(events).toHaveLength(3);
      expect(events[0]!.data).toEqual({
        guildId: w.guildId,
        actorId: w.mod,
        userId: w.plain,
        fields: ['roles'],
      });

      // Removal follows the same rules.
      const remove = (userId: string, roleId: string) =>
        h.as<{ removeMemberRole: { roles: { id: string }[] } }>(userId, REMOVE, {
          guildId: w.guildId,
          userId: w.plain,
          roleId,
        });
      expect(codeOf(await remove(w.mod, w.a.id))).toBe('FORBIDDEN');
      expect(codeOf(await remove(await h.seed.member(w.guildId), w.c.id))).toBe('FORBIDDEN'); // plain now holds Mod
      expect(codeOf(await remove(w.mod, w.guildId))).toBe('VALIDATION');
      const removed = await remove(w.mod, w.c.id);
      expect(removed.data?.removeMemberRole.roles).toEqual([{ id: w.a.id }, { id: w.modRole.id }]);
      expect(codeOf(await remove(w.mod, w.c.id))).toBe('OK');
      const removals = await h.auditOf(w.guildId, 'MEMBER_ROLE_REMOVE');
      expect(removals).toHaveLength(1);
      expect(removals[0]).toMatchObject({
        actorId: w.mod,
        targetId: w.plain,
        changes: [{ key: 'roles', before: [w.c.id] }],
      });
    });
  });

  it('maps an assignment to a vanished role or membership to NOT_FOUND (the store, under the race check)', async () => {
    const w = await world();
    const store = membersStore(h.db, seedIds);
    const gone = seedIds.next();
    const assign = (userId: string, roleId: string) =>
      store.addMemberRole(w.owner, w.guildId, userId, roleId, null).then(
        () => 'OK',
        (error: { extensions?: { code?: string }; message: string }) =>
          `${error.extensions?.code}: ${error.message}`,
      );
    expect(await assign(w.plain, gone)).toBe('NOT_FOUND: Role was not found.');
    expect(await assign(w.stranger, w.c.id)).toBe('NOT_FOUND: Member was not found.');
    expect(await assign(w.plain, w.c.id)).toBe('OK');
    expect(await h.db.select().from(auditLog).where(eq(auditLog.targetId, w.stranger))).toEqual([]);
  });

  it('resolves Role references for members of its guild only', async () => {
    const w = await world();
    const reps = [{ __typename: 'Role', id: w.c.id }];
    const seen = await h.ok<{ _entities: { id: string; name: string; guild: { id: string } }[] }>(
      w.plain,
      ENTITY,
      { reps },
    );
    expect(seen._entities).toEqual([{ id: w.c.id, name: 'C', guild: { id: w.guildId } }]);
    expect(codeOf(await h.as(w.stranger, ENTITY, { reps }))).toBe('FORBIDDEN');
  });

  it('gives the owner every permission', async () => {
    const w = await world();
    const [owner] = await h.db.select().from(guildMembers).where(eq(guildMembers.userId, w.owner));
    expect(owner).toBeDefined();
    const result = await h.ok<{ guildMember: { permissions: string } }>(
      w.plain,
      `query($g: ID!, $u: ID!) { guildMember(guildId: $g, userId: $u) { permissions } }`,
      { g: w.guildId, u: w.owner },
    );
    expect(result.guildMember.permissions).toBe(ALL_PERMISSIONS.toString());
  });

  if (name === 'postgres')
    describe('concurrency (PostgreSQL)', () => {
      it('a role deleted while it is being assigned leaves no dangling rows', async () => {
        for (let round = 0; round < 3; round++) {
          const w = await world();
          const targets = await Promise.all(Array.from({ length: 24 }, () => h.seed.member(w.guildId)));
          // Four clients assign the role to one member after another; the delete starts once eight
          // assignments are done, so the next dozen race it; the last four wait for it to finish.
          const codes: string[] = [];
          let finished = 0;
          let startDelete = () => {};
          const deleting = new Promise<void>((resolve) => (startDelete = resolve)).then(() =>
            h.as(w.owner, DELETE, { id: w.c.id }),
          );
          const client = async (first: number) => {
            for (let i = first; i < targets.length; i += 4) {
              if (i >= 20) await deleting;
              const result = await h.as(w.owner, ADD, {
                guildId: w.guildId,
                userId: targets[i],
                roleId: w.c.id,
              });
              codes[i] = codeOf(result);
              if (++finished === 8) startDelete();
            }
          };
          await Promise.all([0, 1, 2, 3].map(client));
          expect(codeOf(await deleting)).toBe('OK');
          expect(codes.slice(0, 8)).toEqual(Array(8).fill('OK'));
          expect(codes.slice(20)).toEqual(Array(4).fill('NOT_FOUND'));
          for (const code of codes) expect(['OK', 'NOT_FOUND']).toContain(code);
          const [dangling] = await queryRows<{ n: number }>(
            h.db,
            sql`select count(*)::int as n from member_roles mr left join roles r on r.id = mr.role_id where r.id is null`,
          );
          expect(Number(dangling!.n)).toBe(0);
          expect(await h.db.select().from(memberRoles).where(eq(memberRoles.roleId, w.c.id))).toEqual([]);
          // Every success was a real assignment made before the delete (audited), every failure NOT_FOUND.
          const audited = await h.auditOf(w.guildId, 'MEMBER_ROLE_ADD');
          expect(audited).toHaveLength(codes.filter((c) => c === 'OK').length);
        }
      });
    });
});

describe('normalisePositions', () => {
  const role = (id: string, position: number) => ({
    id,
    guildId: '1',
    position,
    name: id,
    color: 0,
    hoist: false,
    mentionable: false,
    permissions: 0n,
    createdAt: new Date(0),
  });
  const order = (list: ReturnType<typeof normalisePositions>) => list.map((m) => `${m.role.id}${m.position}`);
  const current = [role('1', 0), role('10', 1), role('20', 2), role('30', 3)];

  it('moves up above, down below, the role already in the slot', () => {
    expect(order(normalisePositions(current, [{ id: '10', position: 3 }]))).toEqual(['201', '302', '103']);
    expect(order(normalisePositions(current, [{ id: '30', position: 1 }]))).toEqual(['301', '102', '203']);
  });

  it('keeps request order for ties and closes gaps', () => {
    expect(
      order(
        normalisePositions(
          [role('1', 0), role('10', 5), role('20', 9)],
          [
            { id: '20', position: 1 },
            { id: '10', position: 1 },
          ],
        ),
      ),
    ).toEqual(['201', '102']);
  });
});
