import { channels, guildMembers, guilds, memberRoles, roles } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { DEFAULT_EVERYONE_PERMISSIONS, PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { openGuildsHarness } from './test-harness.ts';

const P = PERMISSIONS;
// Ids for rows the tests insert directly (the harness's generator is worker 1).
const testIds = createSnowflakeGenerator(7);

interface ChannelView {
  id: string;
  name: string;
  kind: string;
  position: number;
  parent: { id: string } | null;
}
interface GuildView {
  id: string;
  name: string;
  description: string | null;
  icon: string | null;
  public: boolean;
  owner: { id: string };
  basePermissions: string;
  memberCount: number;
  systemChannel: { id: string; name: string } | null;
  voiceRegion: string | null;
  channels: ChannelView[];
  createdAt: string;
}

const GUILD = `id name description icon public owner { id } basePermissions memberCount createdAt
  systemChannel { id name } voiceRegion channels { id name kind position parent { id } }`;
const CREATE = `mutation($input: CreateGuildInput!) { createGuild(input: $input) { ${GUILD} } }`;
const GET = `query($id: ID!) { guild(id: $id) { ${GUILD} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateGuildInput!) { updateGuild(id: $id, input: $input) { ${GUILD} } }`;
const DELETE = `mutation($id: ID!) { deleteGuild(id: $id) }`;
const LEAVE = `mutation($id: ID!) { leaveGuild(id: $id) }`;
const TRANSFER = `mutation($g: ID!, $u: ID!, $r: String) { transferGuildOwnership(guildId: $g, userId: $u, reason: $r) { id owner { id } } }`;

await describeOnBothDatabases('guilds', openGuildsHarness, (h) => {
  const create = async (owner: string, guildName = 'Guild') =>
    (await h.ok<{ createGuild: GuildView }>(owner, CREATE, { input: { name: guildName } })).createGuild;

  /** A guild with one caller of each kind. */
  async function cast() {
    const owner = await h.createUser('Owner');
    const guild = await create(owner);
    const manager = await h.seed.member(guild.id, [await h.seed.role(guild.id, P.MANAGE_GUILD)]);
    const admin = await h.seed.member(guild.id, [await h.seed.role(guild.id, P.ADMINISTRATOR, 2)]);
    const member = await h.seed.member(guild.id);
    const outsider = await h.createUser('Outsider');
    return { owner, guild, manager, admin, member, outsider };
  }

  async function eventsOf(guildId: string) {
    await h.flush();
    return h.events.events.filter((e) => (e.data as { guildId?: string }).guildId === guildId);
  }

  describe('createGuild', () => {
    it('creates @everyone, a category, general in it as system channel, the owner membership, and events', async () => {
      const owner = await h.createUser('Creator');
      const guild = await create(owner, '  My Guild  ');
      expect(guild).toMatchObject({
        name: 'My Guild',
        description: null,
        icon: null,
        public: false,
        owner: { id: owner },
        basePermissions: DEFAULT_EVERYONE_PERMISSIONS.toString(),
        memberCount: 1,
        voiceRegion: null,
      });
      const [category, general] = guild.channels;
      expect(guild.channels).toHaveLength(2);
      expect(category).toMatchObject({
        name: 'Text Channels',
        kind: 'CATEGORY',
        position: 0,
        parent: null,
      });
      expect(general).toMatchObject({
        name: 'general',
        kind: 'TEXT',
        position: 0,
        parent: { id: category!.id },
      });
      expect(guild.systemChannel).toEqual({ id: general!.id, name: 'general' });

      const roleRows = await h.db.select().from(roles).where(eq(roles.guildId, guild.id));
      expect(roleRows).toEqual([
        expect.objectContaining({
          id: guild.id,
          name: '@everyone',
          position: 0,
          permissions: DEFAULT_EVERYONE_PERMISSIONS,
        }),
      ]);
      const memberRows = await h.db.select().from(guildMembers).where(eq(guildMembers.guildId, guild.id));
      expect(memberRows.map((m) => m.userId)).toEqual([owner]);

      const events = await eventsOf(guild.id);
      expect(events.map((e) => [e.type, e.subject])).toEqual([
        ['GuildCreated', `guild.${guild.id}`],
        ['GuildMemberAdded', `guild.${guild.id}`],
        // The owner's other clients learn of their new guild.
        ['GuildMemberAdded', `user.${owner}`],
        ['ChannelCreated', `guild.${guild.id}`],
        ['ChannelCreated', `guild.${guild.id}`],
      ]);
      expect(events[0]!.data).toEqual({ guildId: guild.id, ownerId: owner });
      expect(events[1]!.data).toEqual({ guildId: guild.id, userId: owner });
      expect(events[2]!.data).toEqual({ guildId: guild.id, userId: owner });
      expect(events.slice(3).map((e) => (e.data as { channelId: string }).channelId)).toEqual([
        category!.id,
        general!.id,
      ]);
    });

    it('keeps description, icon and public', async () => {
      const owner = await h.createUser();
      const input = { name: 'Listed', description: 'About us', icon: 'asset:icon-1', public: true };
      const guild = (await h.ok<{ createGuild: GuildView }>(owner, CREATE, { input })).createGuild;
      expect(guild).toMatchObject(input);
    });

    it('refuses anonymous callers and bad input, writing nothing', async () => {
      const owner = await h.createUser();
      expect(codeOf(await h.as(undefined, CREATE, { input: { name: 'Nope' } }))).toBe('UNAUTHENTICATED');
      for (const input of [
        { name: ' x ' },
        { name: 'x'.repeat(101) },
        { name: 'Fine', description: 'd'.repeat(1001) },
        { name: 'Fine', icon: 'i'.repeat(513) },
      ])
        expect(codeOf(await h.as(owner, CREATE, { input })), JSON.stringify(input)).toBe('VALIDATION');
      expect(await h.db.select().from(guilds).where(eq(guilds.ownerId, owner))).toEqual([]);
    });
  });

  describe('guild and myGuilds', () => {
    it('members read the guild; others are refused', async () => {
      const { owner, guild, member, outsider } = await cast();
      expect((await h.ok<{ guild: GuildView }>(owner, GET, { id: guild.id })).guild.id).toBe(guild.id);
      const seen = (await h.ok<{ guild: GuildView }>(member, GET, { id: guild.id })).guild;
      expect(seen).toMatchObject({ id: guild.id, memberCount: 4, owner: { id: owner } });
      expect(codeOf(await h.as(outsider, GET, { id: guild.id }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(undefined, GET, { id: guild.id }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(member, GET, { id: testIds.next() }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(member, GET, { id: 'not-an-id' }))).toBe('VALIDATION');
    });

    it('me is the caller’s membership', async () => {
      const { guild, member } = await cast();
      const data = await h.ok<{ guild: { me: { nickname: string | null; joinedAt: string } } }>(
        member,
        `query($id: ID!) { guild(id: $id) { me { nickname joinedAt } } }`,
        { id: guild.id },
      );
      expect(data.guild.me.nickname).toBeNull();
      expect(Date.parse(data.guild.me.joinedAt)).not.toBeNaN();
    });

    it('myGuilds lists the caller’s guilds, oldest membership first', async () => {
      const user = await h.createUser();
      const first = await create(user, 'First');
      const other = await create(await h.createUser(), 'Other');
      await h.seed.join(other.id, user);
      const data = await h.ok<{ myGuilds: { id: string }[] }>(user, `{ myGuilds { id } }`);
      expect(data.myGuilds.map((g) => g.id)).toEqual([first.id, other.id]);
      expect(codeOf(await h.as(undefined, `{ myGuilds { id } }`))).toBe('UNAUTHENTICATED');
    });
  });

  describe('updateGuild', () => {
    it('needs MANAGE_GUILD: owner, administrator and a role granting it may; others may not', async () => {
      const { owner, guild, manager, admin, member, outsider } = await cast();
      expect(codeOf(await h.as(undefined, UPDATE, { id: guild.id, input: { name: 'A' } }))).toBe(
        'UNAUTHENTICATED',
      );
      expect(codeOf(await h.as(outsider, UPDATE, { id: guild.id, input: { name: 'Nope' } }))).toBe(
        'FORBIDDEN',
      );
      expect(codeOf(await h.as(member, UPDATE, { id: guild.id, input: { name: 'Nope' } }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(member, UPDATE, { id: testIds.next(), input: { name: 'Nope' } }))).toBe(
        'NOT_FOUND',
      );
      for (const [who, newName] of [
        [manager, 'By manager'],
        [admin, 'By admin'],
        [owner, 'By owner'],
      ] as const) {
        const result = await h.ok<{ updateGuild: GuildView }>(who, UPDATE, {
          id: guild.id,
          input: { name: newName },
        });
        expect(result.updateGuild.name).toBe(newName);
      }
      const [row] = await h.db.select().from(guilds).where(eq(guilds.id, guild.id));
      expect(row!.name).toBe('By owner');
    });

    it('records the change in the audit log and publishes GuildUpdated with the fields', async () => {
      const { guild, manager } = await cast();
      const result = await h.ok<{ updateGuild: GuildView }>(manager, UPDATE, {
        id: guild.id,
        input: { name: 'Renamed', description: 'Hello', public: true, icon: null },
      });
      expect(result.updateGuild).toMatchObject({ name: 'Renamed', description: 'Hello', public: true });
      const [entry] = await h.auditOf(guild.id, 'GUILD_UPDATE');
      expect(entry).toMatchObject({ actorId: manager, targetType: 'GUILD', targetId: guild.id });
      expect(entry!.changes).toEqual([
        { key: 'name', before: 'Guild', after: 'Renamed' },
        { key: 'description', before: null, after: 'Hello' },
        { key: 'public', before: false, after: true },
      ]);
      const updated = (await eventsOf(guild.id)).filter((e) => e.type === 'GuildUpdated');
      expect(updated.map((e) => e.data)).toEqual([
        { guildId: guild.id, actorId: manager, fields: ['name', 'description', 'public'] },
      ]);
    });

    it('an update that changes nothing records and publishes nothing', async () => {
      const { owner, guild } = await cast();
      await h.ok(owner, UPDATE, { id: guild.id, input: { name: 'Guild' } });
      expect(await h.auditOf(guild.id, 'GUILD_UPDATE')).toEqual([]);
      expect((await eventsOf(guild.id)).filter((e) => e.type === 'GuildUpdated')).toEqual([]);
    });

    it('the system channel must be a text channel of the guild; null turns it off', async () => {
      const { owner, guild } = await cast();
      const category = guild.channels.find((c) => c.kind === 'CATEGORY')!;
      const otherGuild = await create(owner, 'Other');
      const voice = testIds.next();
      await h.db.insert(channels).values({ id: voice, guildId: guild.id, kind: 'voice', name: 'v' });
      for (const systemChannelId of [category.id, voice, otherGuild.systemChannel!.id, testIds.next()])
        expect(
          codeOf(await h.as(owner, UPDATE, { id: guild.id, input: { systemChannelId } })),
          systemChannelId,
        ).toBe('VALIDATION');
      expect(codeOf(await h.as(owner, UPDATE, { id: guild.id, input: { systemChannelId: 'x' } }))).toBe(
        'VALIDATION',
      );
      const text = testIds.next();
      await h.db.insert(channels).values({ id: text, guildId: guild.id, kind: 'text', name: 'welcome' });
      const moved = await h.ok<{ updateGuild: GuildView }>(owner, UPDATE, {
        id: guild.id,
        input: { systemChannelId: text },
      });
      expect(moved.updateGuild.systemChannel).toEqual({ id: text, name: 'welcome' });
      const cleared = await h.ok<{ updateGuild: GuildView }>(owner, UPDATE, {
        id: guild.id,
        input: { systemChannelId: null },
      });
      expect(cleared.updateGuild.systemChannel).toBeNull();
    });

    it('voiceRegion: set (trimmed) and cleared by MANAGE_GUILD holders; audited; GuildUpdated names it', async () => {
      const { owner, guild, manager, admin, member } = await cast();
      const channelsManager = await h.seed.member(guild.id, [
        await h.seed.role(guild.id, P.MANAGE_CHANNELS | P.MOVE_MEMBERS),
      ]);
      for (const who of [member, channelsManager])
        expect(codeOf(await h.as(who, UPDATE, { id: guild.id, input: { voiceRegion: 'eu-west' } }))).toBe(
          'FORBIDDEN',
        );
      expect(codeOf(await h.as(member, UPDATE, { id: guild.id, input: { voiceRegion: null } }))).toBe(
        'FORBIDDEN',
      );
      const [untouched] = await h.db.select().from(guilds).where(eq(guilds.id, guild.id));
      expect(untouched!.voiceRegion).toBeNull();

      const set = await h.ok<{ updateGuild: GuildView }>(manager, UPDATE, {
        id: guild.id,
        input: { voiceRegion: '  eu-west ' },
      });
      expect(set.updateGuild.voiceRegion).toBe('eu-west');
      const [row] = await h.db.select().from(guilds).where(eq(guilds.id, guild.id));
      expect(row!.voiceRegion).toBe('eu-west');
      // Members read it; myGuilds has it too.
      expect((await h.ok<{ guild: GuildView }>(member, GET, { id: guild.id })).guild.voiceRegion).toBe(
        'eu-west',
      );
      const mine = await h.ok<{ myGuilds: { id: string; voiceRegion: string | null }[] }>(
        member,
        `{ myGuilds { id voiceRegion } }`,
      );
      expect(mine.myGuilds).toEqual([{ id: guild.id, voiceRegion: 'eu-west' }]);

      await h.ok(admin, UPDATE, { id: guild.id, input: { voiceRegion: 'us-east', name: 'Voiced' } });
      // Setting what it already is records nothing.
      await h.ok(owner, UPDATE, { id: guild.id, input: { voiceRegion: 'us-east' } });
      const cleared = await h.ok<{ updateGuild: GuildView }>(owner, UPDATE, {
        id: guild.id,
        input: { voiceRegion: null },
      });
      expect(cleared.updateGuild.voiceRegion).toBeNull();

      const entries = await h.auditOf(guild.id, 'GUILD_UPDATE');
      expect(entries.map((e) => [e.actorId, e.changes])).toEqual([
        [manager, [{ key: 'voiceRegion', before: null, after: 'eu-west' }]],
        [
          admin,
          [
            { key: 'name', before: 'Guild', after: 'Voiced' },
            { key: 'voiceRegion', before: 'eu-west', after: 'us-east' },
          ],
        ],
        [owner, [{ key: 'voiceRegion', before: 'us-east', after: null }]],
      ]);
      const updated = (await eventsOf(guild.id)).filter((e) => e.type === 'GuildUpdated');
      expect(updated.map((e) => e.data)).toEqual([
        { guildId: guild.id, actorId: manager, fields: ['voiceRegion'] },
        { guildId: guild.id, actorId: admin, fields: ['name', 'voiceRegion'] },
        { guildId: guild.id, actorId: owner, fields: ['voiceRegion'] },
      ]);
    });

    it('voiceRegion is validated like a channel’s: 1-64 characters once trimmed', async () => {
      const { owner, guild } = await cast();
      for (const voiceRegion of ['', '   ', 'r'.repeat(65)])
        expect(
          codeOf(await h.as(owner, UPDATE, { id: guild.id, input: { voiceRegion } })),
          JSON.stringify(voiceRegion),
        ).toBe('VALIDATION');
      // A bad region refuses the whole update.
      expect(
        codeOf(await h.as(owner, UPDATE, { id: guild.id, input: { name: 'Fine', voiceRegion: '' } })),
      ).toBe('VALIDATION');
      const [row] = await h.db.select().from(guilds).where(eq(guilds.id, guild.id));
      expect(row).toMatchObject({ name: 'Guild', voiceRegion: null });
      const longest = 'r'.repeat(64);
      const ok = await h.ok<{ updateGuild: GuildView }>(owner, UPDATE, {
        id: guild.id,
        input: { voiceRegion: longest },
      });
      expect(ok.updateGuild.voiceRegion).toBe(longest);
    });

    it('rejects invalid settings', async () => {
      const { owner, guild } = await cast();
      for (const input of [
        { name: null },
        { name: 'x' },
        { public: null },
        { description: 'd'.repeat(1001) },
      ])
        expect(codeOf(await h.as(owner, UPDATE, { id: guild.id, input })), JSON.stringify(input)).toBe(
          'VALIDATION',
        );
    });

    it('basePermissions needs MANAGE_ROLES too and only bits the caller holds', async () => {
      const { owner, guild, manager, admin } = await cast();
      const rolesManager = await h.seed.member(guild.id, [
        await h.seed.role(guild.id, P.MANAGE_GUILD | P.MANAGE_ROLES | P.KICK_MEMBERS),
      ]);
      const wanted = (DEFAULT_EVERYONE_PERMISSIONS | P.KICK_MEMBERS).toString();
      // MANAGE_GUILD alone is not enough.
      expect(codeOf(await h.as(manager, UPDATE, { id: guild.id, input: { basePermissions: wanted } }))).toBe(
        'FORBIDDEN',
      );
      // Bits the caller lacks cannot be granted.
      const tooMuch = (DEFAULT_EVERYONE_PERMISSIONS | P.BAN_MEMBERS).toString();
      expect(
        codeOf(await h.as(rolesManager, UPDATE, { id: guild.id, input: { basePermissions: tooMuch } })),
      ).toBe('FORBIDDEN');
      for (const basePermissions of ['abc', '-1', (1n << 60n).toString()])
        expect(codeOf(await h.as(owner, UPDATE, { id: guild.id, input: { basePermissions } }))).toBe(
          'VALIDATION',
        );
      const ok = await h.ok<{ updateGuild: GuildView }>(rolesManager, UPDATE, {
        id: guild.id,
        input: { basePermissions: wanted },
      });
      expect(ok.updateGuild.basePermissions).toBe(wanted);
      const [everyone] = await h.db.select().from(roles).where(eq(roles.id, guild.id));
      expect(everyone!.permissions).toBe(DEFAULT_EVERYONE_PERMISSIONS | P.KICK_MEMBERS);
      // Administrators and owners hold everything.
      const adminWants = (DEFAULT_EVERYONE_PERMISSIONS | P.BAN_MEMBERS).toString();
      await h.ok(admin, UPDATE, { id: guild.id, input: { basePermissions: adminWants } });
      await h.ok(owner, UPDATE, { id: guild.id, input: { basePermissions: '0' } });

      const entries = await h.auditOf(guild.id, 'GUILD_UPDATE');
      expect(entries.map((e) => e.changes)).toContainEqual([
        { key: 'basePermissions', before: DEFAULT_EVERYONE_PERMISSIONS.toString(), after: wanted },
      ]);
      const events = await eventsOf(guild.id);
      expect(events.filter((e) => e.type === 'GuildUpdated').map((e) => e.data)).toContainEqual({
        guildId: guild.id,
        actorId: rolesManager,
        fields: ['basePermissions'],
      });
      expect(events.filter((e) => e.type === 'RoleUpdated')).toHaveLength(3);
    });
  });

  describe('deleteGuild', () => {
    it('owner only; cascades to everything in the guild', async () => {
      const { owner, guild, admin, manager, member, outsider } = await cast();
      for (const who of [admin, manager, member, outsider])
        expect(codeOf(await h.as(who, DELETE, { id: guild.id }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(undefined, DELETE, { id: guild.id }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(owner, DELETE, { id: testIds.next() }))).toBe('NOT_FOUND');

      expect((await h.ok<{ deleteGuild: string }>(owner, DELETE, { id: guild.id })).deleteGuild).toBe(
        guild.id,
      );
      expect(await h.db.select().from(guilds).where(eq(guilds.id, guild.id))).toEqual([]);
      expect(await h.db.select().from(channels).where(eq(channels.guildId, guild.id))).toEqual([]);
      expect(await h.db.select().from(roles).where(eq(roles.guildId, guild.id))).toEqual([]);
      expect(await h.db.select().from(guildMembers).where(eq(guildMembers.guildId, guild.id))).toEqual([]);
      expect(await h.db.select().from(memberRoles).where(eq(memberRoles.guildId, guild.id))).toEqual([]);
      expect(codeOf(await h.as(owner, GET, { id: guild.id }))).toBe('NOT_FOUND');
      const deleted = (await eventsOf(guild.id)).filter((e) => e.type === 'GuildDeleted');
      expect(deleted.map((e) => [e.subject, e.data])).toEqual([
        [`guild.${guild.id}`, { guildId: guild.id, actorId: owner }],
      ]);
    });
  });

  describe('leaveGuild', () => {
    it('members leave; the owner must transfer ownership first; non-members are refused', async () => {
      const { owner, guild, admin, outsider } = await cast();
      const left = await h.as(owner, LEAVE, { id: guild.id });
      expect(codeOf(left)).toBe('FORBIDDEN');
      expect(left.errors![0]!.message).toMatch(/transfer ownership first/);
      expect(codeOf(await h.as(outsider, LEAVE, { id: guild.id }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(undefined, LEAVE, { id: guild.id }))).toBe('UNAUTHENTICATED');

      expect((await h.ok<{ leaveGuild: string }>(admin, LEAVE, { id: guild.id })).leaveGuild).toBe(guild.id);
      const rest = await h.db
        .select()
        .from(guildMembers)
        .where(and(eq(guildMembers.guildId, guild.id), eq(guildMembers.userId, admin)));
      expect(rest).toEqual([]);
      expect(await h.db.select().from(memberRoles).where(eq(memberRoles.userId, admin))).toEqual([]);
      expect(codeOf(await h.as(admin, GET, { id: guild.id }))).toBe('FORBIDDEN');
      const removed = (await eventsOf(guild.id)).filter((e) => e.type === 'GuildMemberRemoved');
      const data = { guildId: guild.id, actorId: admin, userId: admin, reason: 'leave' };
      expect(removed.map((e) => [e.subject, e.data])).toEqual([
        [`guild.${guild.id}`, data],
        [`user.${admin}`, data],
      ]);
    });
  });

  describe('transferGuildOwnership', () => {
    it('owner only, to a member; audited; the previous owner may then leave', async () => {
      const { owner, guild, admin, member, outsider } = await cast();
      expect(codeOf(await h.as(admin, TRANSFER, { g: guild.id, u: admin }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(member, TRANSFER, { g: guild.id, u: member }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(outsider, TRANSFER, { g: guild.id, u: outsider }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(owner, TRANSFER, { g: guild.id, u: outsider }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(owner, TRANSFER, { g: guild.id, u: owner }))).toBe('VALIDATION');
      expect(codeOf(await h.as(owner, TRANSFER, { g: guild.id, u: 'bad' }))).toBe('VALIDATION');

      const result = await h.ok<{ transferGuildOwnership: { owner: { id: string } } }>(owner, TRANSFER, {
        g: guild.id,
        u: member,
        r: 'stepping down',
      });
      expect(result.transferGuildOwnership.owner.id).toBe(member);
      const [row] = await h.db.select().from(guilds).where(eq(guilds.id, guild.id));
      expect(row!.ownerId).toBe(member);
      const [entry] = await h.auditOf(guild.id, 'GUILD_OWNER_TRANSFER');
      expect(entry).toMatchObject({
        actorId: owner,
        targetType: 'MEMBER',
        targetId: member,
        reason: 'stepping down',
        changes: [{ key: 'ownerId', before: owner, after: member }],
      });
      const changed = (await eventsOf(guild.id)).filter((e) => e.type === 'GuildOwnerChanged');
      expect(changed.map((e) => e.data)).toEqual([
        { guildId: guild.id, actorId: owner, previousOwnerId: owner, ownerId: member },
      ]);
      // The new owner holds everything; the old one is an ordinary member who may now leave.
      expect(codeOf(await h.as(member, LEAVE, { id: guild.id }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(owner, DELETE, { id: guild.id }))).toBe('FORBIDDEN');
      await h.ok(owner, LEAVE, { id: guild.id });
    });
  });
});
