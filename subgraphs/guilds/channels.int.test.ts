import { channelOverwrites, channels, guilds, outboxEvents } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { ALL_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { openGuildsHarness } from './test-harness.ts';

const P = PERMISSIONS;
// Ids for rows the tests insert directly (the harness's generator is worker 1).
const testIds = createSnowflakeGenerator(8);

interface ChannelView {
  id: string;
  name: string;
  kind: string;
  topic: string | null;
  position: number;
  private: boolean;
  slowmodeSeconds: number;
  voiceRegion: string | null;
  bitrate: number | null;
  userLimit: number;
  parent: { id: string } | null;
  guild: { id: string } | null;
  overwrites: { targetType: string; targetId: string; allow: string; deny: string }[];
  myPermissions: string;
}

const CHANNEL = `id name kind topic position private slowmodeSeconds voiceRegion bitrate userLimit parent { id } guild { id }
  overwrites { targetType targetId allow deny } myPermissions`;
const CREATE_GUILD = `mutation($name: String!) { createGuild(input: { name: $name }) { id systemChannel { id } channels { id kind } } }`;
const LIST = `query($id: ID!) { guild(id: $id) { systemChannel { id } channels { id name position parent { id } } } }`;
const GET = `query($id: ID!) { channel(id: $id) { ${CHANNEL} } }`;
const CREATE = `mutation($g: ID!, $input: CreateChannelInput!, $r: String) { createChannel(guildId: $g, input: $input, reason: $r) { ${CHANNEL} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateChannelInput!) { updateChannel(id: $id, input: $input) { ${CHANNEL} } }`;
const DELETE = `mutation($id: ID!) { deleteChannel(id: $id) }`;
const REORDER = `mutation($g: ID!, $p: [ChannelPositionInput!]!) { reorderChannels(guildId: $g, positions: $p) { id position parent { id } } }`;
const SET_OW = `mutation($c: ID!, $input: OverwriteInput!) { setChannelOverwrite(channelId: $c, input: $input) { ${CHANNEL} } }`;
const DELETE_OW = `mutation($c: ID!, $t: ID!) { deleteChannelOverwrite(channelId: $c, targetId: $t) { ${CHANNEL} } }`;

await describeOnBothDatabases('channels', openGuildsHarness, (h) => {
  /** A guild with one caller of each kind; `manager` holds MANAGE_CHANNELS through a role at position 2. */
  async function cast() {
    const owner = await h.createUser('Owner');
    const created = (
      await h.ok<{
        createGuild: {
          id: string;
          systemChannel: { id: string };
          channels: { id: string; kind: string }[];
        };
      }>(owner, CREATE_GUILD, { name: 'Channels' })
    ).createGuild;
    const guildId = created.id;
    const category = created.channels.find((c) => c.kind === 'CATEGORY')!.id;
    const general = created.systemChannel.id;
    const managerRole = await h.seed.role(guildId, P.MANAGE_CHANNELS, 2);
    const manager = await h.seed.member(guildId, [managerRole]);
    const admin = await h.seed.member(guildId, [await h.seed.role(guildId, P.ADMINISTRATOR, 3)]);
    const member = await h.seed.member(guildId);
    const outsider = await h.createUser('Outsider');
    return { owner, guildId, category, general, managerRole, manager, admin, member, outsider };
  }

  const createChannel = async (who: string, guildId: string, input: Record<string, unknown>) =>
    (await h.ok<{ createChannel: ChannelView }>(who, CREATE, { g: guildId, input })).createChannel;

  /** Inserts `count` text channels into the guild. */
  const fillChannels = (guildId: string, count: number) =>
    h.db.insert(channels).values(
      Array.from({ length: count }, (_, i) => ({
        id: testIds.next(),
        guildId,
        name: `c${i}`,
        position: i,
      })),
    );
  const channelRow = async (id: string) => (await h.db.select().from(channels).where(eq(channels.id, id)))[0];

  async function eventsOf(guildId: string, type: string) {
    await h.flush();
    return h.events.events.filter(
      (e) => e.type === type && (e.data as { guildId?: string }).guildId === guildId,
    );
  }

  const visibleTo = async (who: string, guildId: string) =>
    (await h.ok<{ guild: { channels: { id: string }[] } }>(who, LIST, { id: guildId })).guild.channels.map(
      (c) => c.id,
    );

  describe('channel', () => {
    it('members who can view it read it; others are refused', async () => {
      const { owner, guildId, general, member, outsider } = await cast();
      const seen = (await h.ok<{ channel: ChannelView }>(member, GET, { id: general })).channel;
      expect(seen).toMatchObject({
        id: general,
        kind: 'TEXT',
        name: 'general',
        private: false,
        guild: { id: guildId },
        overwrites: [],
        myPermissions: DEFAULT_EVERYONE_PERMISSIONS.toString(),
        bitrate: null,
        userLimit: 0,
      });
      const mine = (await h.ok<{ channel: ChannelView }>(owner, GET, { id: general })).channel;
      expect(mine.myPermissions).toBe(ALL_PERMISSIONS.toString());
      expect(codeOf(await h.as(outsider, GET, { id: general }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(undefined, GET, { id: general }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(member, GET, { id: testIds.next() }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(member, GET, { id: 'general' }))).toBe('VALIDATION');
    });
  });

  describe('createChannel', () => {
    it('needs MANAGE_CHANNELS: a role granting it, administrators and the owner may; others may not', async () => {
      const { owner, guildId, manager, admin, member, outsider } = await cast();
      const input = { name: 'new' };
      expect(codeOf(await h.as(undefined, CREATE, { g: guildId, input }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(outsider, CREATE, { g: guildId, input }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(member, CREATE, { g: guildId, input }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(member, CREATE, { g: testIds.next(), input }))).toBe('NOT_FOUND');
      for (const who of [manager, admin, owner]) await createChannel(who, guildId, input);
      const [counted] = await h.db.select({ n: count() }).from(channels).where(eq(channels.guildId, guildId));
      expect(counted!.n).toBe(5);
    });

    it('normalizes names like Discord, fills kind defaults, records an audit entry and publishes ChannelCreated', async () => {
      const { guildId, manager } = await cast();
      const text = await createChannel(manager, guildId, {
        name: '  Off  Topic ',
        topic: 'anything',
        slowmodeSeconds: 30,
      });
      expect(text).toMatchObject({
        name: 'off-topic',
        kind: 'TEXT',
        topic: 'anything',
        slowmodeSeconds: 30,
        bitrate: null,
        voiceRegion: null,
        userLimit: 0,
        parent: null,
        private: false,
      });
      const voice = await createChannel(manager, guildId, { name: 'Team Talk', kind: 'VOICE' });
      expect(voice).toMatchObject({
        name: 'team-talk',
        kind: 'VOICE',
        bitrate: 64000,
        slowmodeSeconds: 0,
        userLimit: 0,
      });
      const tuned = await createChannel(manager, guildId, {
        name: 'Music',
        kind: 'VOICE',
        bitrate: 96000,
        voiceRegion: 'eu-west',
        userLimit: 12,
      });
      expect(tuned).toMatchObject({ name: 'music', bitrate: 96000, voiceRegion: 'eu-west', userLimit: 12 });
      const category = await createChannel(manager, guildId, { name: ' Voice Rooms ', kind: 'CATEGORY' });
      expect(category).toMatchObject({ name: 'Voice Rooms', kind: 'CATEGORY', bitrate: null, userLimit: 0 });

      const entries = await h.auditOf(guildId, 'CHANNEL_CREATE');
      expect(entries.map((e) => e.targetId).sort()).toEqual(
        [text.id, voice.id, tuned.id, category.id].sort(),
      );
      const entry = entries.find((e) => e.targetId === text.id)!;
      expect(entry).toMatchObject({ actorId: manager, targetType: 'CHANNEL' });
      expect(entry.changes).toContainEqual({ key: 'name', after: 'off-topic' });
      const tunedEntry = entries.find((e) => e.targetId === tuned.id)!;
      expect(tunedEntry.changes).toContainEqual({ key: 'userLimit', after: 12 });
      expect(tunedEntry.changes).toContainEqual({ key: 'voiceRegion', after: 'eu-west' });
      const created = await eventsOf(guildId, 'ChannelCreated');
      expect(created.map((e) => (e.data as { channelId: string }).channelId)).toEqual(
        expect.arrayContaining([text.id, voice.id, tuned.id, category.id]),
      );
    });

    it('places a new channel after its siblings unless given a position', async () => {
      const { guildId, category, owner } = await cast();
      // The category holds general at 0; top level holds the category at 0.
      const inCategory = await createChannel(owner, guildId, { name: 'second', parentId: category });
      expect(inCategory).toMatchObject({ position: 1, parent: { id: category } });
      const topLevel = await createChannel(owner, guildId, { name: 'loose' });
      expect(topLevel.position).toBe(1);
      const placed = await createChannel(owner, guildId, {
        name: 'placed',
        position: 7,
        parentId: category,
      });
      expect(placed.position).toBe(7);
      expect((await createChannel(owner, guildId, { name: 'after', parentId: category })).position).toBe(8);
    });

    it('refuses bad input with VALIDATION and writes nothing', async () => {
      const { owner, guildId, general, category } = await cast();
      const other = (
        await h.ok<{ createGuild: { channels: { id: string; kind: string }[] } }>(owner, CREATE_GUILD, {
          name: 'Other',
        })
      ).createGuild;
      const otherCategory = other.channels.find((c) => c.kind === 'CATEGORY')!.id;
      const bad: Record<string, unknown>[] = [
        { name: '' },
        { name: '   ' },
        { name: 'x'.repeat(101) },
        { name: 'dm', kind: 'DM' },
        { name: 'group', kind: 'GROUP_DM' },
        { name: 't', topic: 't'.repeat(1025) },
        { name: 'v', kind: 'VOICE', topic: 'voice has no topic' },
        { name: 't', slowmodeSeconds: 21601 },
        { name: 't', slowmodeSeconds: -1 },
        { name: 'v', kind: 'VOICE', slowmodeSeconds: 10 },
        { name: 'v', kind: 'VOICE', bitrate: 7999 },
        { name: 'v', kind: 'VOICE', bitrate: 384001 },
        { name: 't', bitrate: 64000 },
        { name: 'v', kind: 'VOICE', voiceRegion: 'r'.repeat(65) },
        { name: 't', voiceRegion: 'eu' },
        { name: 'v', kind: 'VOICE', voiceRegion: '   ' },
        { name: 'v', kind: 'VOICE', userLimit: -1 },
        { name: 'v', kind: 'VOICE', userLimit: 100 },
        { name: 't', userLimit: 5 },
        { name: 'c', kind: 'CATEGORY', userLimit: 1 },
        { name: 't', parentId: general },
        { name: 't', parentId: otherCategory },
        { name: 't', parentId: testIds.next() },
        { name: 't', parentId: 'nope' },
        { name: 'c', kind: 'CATEGORY', parentId: category },
        { name: 't', position: -1 },
        { name: 't', private: null },
      ];
      for (const input of bad)
        expect(codeOf(await h.as(owner, CREATE, { g: guildId, input })), JSON.stringify(input)).toBe(
          'VALIDATION',
        );
      const [counted] = await h.db.select({ n: count() }).from(channels).where(eq(channels.guildId, guildId));
      expect(counted!.n).toBe(2);
      expect(await h.auditOf(guildId, 'CHANNEL_CREATE')).toEqual([]);
    });

    it('stops at 500 channels per guild, categories included', async () => {
      const { owner, guildId } = await cast();
      // Two exist; fill to 499 directly, then one more through the API reaches the limit.
      await fillChannels(guildId, 497);
      await createChannel(owner, guildId, { name: 'five-hundredth' });
      const refused = await h.as(owner, CREATE, { g: guildId, input: { name: 'one-too-many' } });
      expect(codeOf(refused)).toBe('LIMIT_REACHED');
      expect(
        codeOf(await h.as(owner, CREATE, { g: guildId, input: { name: 'Cat', kind: 'CATEGORY' } })),
      ).toBe('LIMIT_REACHED');
      const [counted] = await h.db.select({ n: count() }).from(channels).where(eq(channels.guildId, guildId));
      expect(counted!.n).toBe(500);
    });

    it('concurrent creations cannot pass the limit', async () => {
      const { owner, guildId } = await cast();
      await fillChannels(guildId, 495);
      // 497 exist: of eight creations at once, exactly three fit.
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          h.as(owner, CREATE, { g: guildId, input: { name: `race-${i}` } }),
        ),
      );
      const codes = results.map(codeOf).sort();
      expect(codes).toEqual([
        'LIMIT_REACHED',
        'LIMIT_REACHED',
        'LIMIT_REACHED',
        'LIMIT_REACHED',
        'LIMIT_REACHED',
        'OK',
        'OK',
        'OK',
      ]);
      const [counted] = await h.db.select({ n: count() }).from(channels).where(eq(channels.guildId, guildId));
      expect(counted!.n).toBe(500);
    });
  });

  describe('private channels and overwrites', () => {
    it('an overwrite-hidden channel is invisible to a plain member and visible to a member whose role is allowed', async () => {
      const { owner, guildId, member } = await cast();
      const staffRole = await h.seed.role(guildId, 0n, 1);
      const staff = await h.seed.member(guildId, [staffRole]);
      const secret = await createChannel(owner, guildId, { name: 'staff room', private: true });
      expect(secret.private).toBe(true);
      expect(secret.overwrites).toEqual([
        { targetType: 'ROLE', targetId: guildId, allow: '0', deny: P.VIEW_CHANNEL.toString() },
      ]);

      expect(await visibleTo(member, guildId)).not.toContain(secret.id);
      expect(await visibleTo(staff, guildId)).not.toContain(secret.id);
      expect(codeOf(await h.as(member, GET, { id: secret.id }))).toBe('FORBIDDEN');

      await h.ok(owner, SET_OW, {
        c: secret.id,
        input: { targetType: 'ROLE', targetId: staffRole, allow: P.VIEW_CHANNEL.toString(), deny: '0' },
      });
      expect(await visibleTo(staff, guildId)).toContain(secret.id);
      expect(await visibleTo(member, guildId)).not.toContain(secret.id);
      const seen = (await h.ok<{ channel: ChannelView }>(staff, GET, { id: secret.id })).channel;
      expect(seen.private).toBe(true);
      expect(BigInt(seen.myPermissions) & P.VIEW_CHANNEL).toBe(P.VIEW_CHANNEL);
      expect(codeOf(await h.as(member, GET, { id: secret.id }))).toBe('FORBIDDEN');
      // The owner and administrators see everything.
      expect(await visibleTo(owner, guildId)).toContain(secret.id);
    });

    it('a non-administrator who creates a private channel keeps seeing it through a member overwrite', async () => {
      const { guildId, manager, member } = await cast();
      const hidden = await createChannel(manager, guildId, { name: 'mine', private: true });
      expect(hidden.overwrites).toContainEqual({
        targetType: 'MEMBER',
        targetId: manager,
        allow: P.VIEW_CHANNEL.toString(),
        deny: '0',
      });
      expect(await visibleTo(manager, guildId)).toContain(hidden.id);
      expect(await visibleTo(member, guildId)).not.toContain(hidden.id);
    });

    it('an owner’s private channel gets no member overwrite', async () => {
      const { owner, admin, guildId } = await cast();
      for (const who of [owner, admin]) {
        const hidden = await createChannel(who, guildId, { name: 'quiet', private: true });
        expect(hidden.overwrites).toHaveLength(1);
      }
    });

    it('setChannelOverwrite needs MANAGE_ROLES in the channel, respects the hierarchy and grants only held bits', async () => {
      const { owner, guildId, general, member, managerRole } = await cast();
      const lowRole = await h.seed.role(guildId, 0n, 1);
      const highRole = await h.seed.role(guildId, 0n, 5);
      const ownRole = await h.seed.role(guildId, P.MANAGE_ROLES | P.SEND_MESSAGES, 3);
      const roleManager = await h.seed.member(guildId, [ownRole]);
      const target = await h.seed.member(guildId);
      const view = P.VIEW_CHANNEL.toString();
      const ow = (targetType: string, targetId: string, allow = view, deny = '0') => ({
        c: general,
        input: { targetType, targetId, allow, deny },
      });

      expect(codeOf(await h.as(undefined, SET_OW, ow('ROLE', lowRole)))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(member, SET_OW, ow('ROLE', lowRole)))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(roleManager, SET_OW, ow('ROLE', highRole)))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(roleManager, SET_OW, ow('ROLE', ownRole)))).toBe('FORBIDDEN');
      // Bits the actor does not hold (MANAGE_MESSAGES) cannot be allowed or denied.
      expect(codeOf(await h.as(roleManager, SET_OW, ow('ROLE', lowRole, P.MANAGE_MESSAGES.toString())))).toBe(
        'FORBIDDEN',
      );
      expect(codeOf(await h.as(roleManager, SET_OW, ow('ROLE', testIds.next())))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(roleManager, SET_OW, ow('MEMBER', await h.createUser())))).toBe('NOT_FOUND');
      // The owner's guild's @everyone role id is the guild id: fine below anyone.
      for (const bad of [
        ow('ROLE', lowRole, P.ADMINISTRATOR.toString()),
        ow('ROLE', lowRole, '0', P.KICK_MEMBERS.toString()),
        ow('ROLE', lowRole, view, view),
        ow('ROLE', lowRole, 'lots'),
        ow('ROLE', lowRole, (1n << 12n).toString()),
        ow('ROLE', 'x'),
      ])
        expect(codeOf(await h.as(owner, SET_OW, bad)), JSON.stringify(bad.input)).toBe('VALIDATION');
      expect(
        await h.db.select().from(channelOverwrites).where(eq(channelOverwrites.channelId, general)),
      ).toEqual([]);

      const send = P.SEND_MESSAGES.toString();
      await h.ok(roleManager, SET_OW, ow('ROLE', lowRole, view, send));
      await h.ok(roleManager, SET_OW, ow('MEMBER', target, send));
      const result = await h.ok<{ setChannelOverwrite: ChannelView }>(
        roleManager,
        SET_OW,
        ow('ROLE', guildId, '0', send),
      );
      expect(result.setChannelOverwrite.overwrites).toHaveLength(3);
      // As in Discord, what counts is what the actor holds in this channel: with @everyone now denied
      // SEND_MESSAGES here, the manager no longer holds it here and cannot grant it.
      expect(codeOf(await h.as(roleManager, SET_OW, ow('MEMBER', target, send)))).toBe('FORBIDDEN');
      // A role below the actor's (MANAGE_CHANNELS at 2, under the manager's 3) is theirs to set.
      await h.ok(roleManager, SET_OW, ow('ROLE', managerRole));
      // Replacing keeps one overwrite per target.
      const replaced = await h.ok<{ setChannelOverwrite: ChannelView }>(
        owner,
        SET_OW,
        ow('ROLE', lowRole, '0', P.MANAGE_MESSAGES.toString()),
      );
      expect(replaced.setChannelOverwrite.overwrites).toContainEqual({
        targetType: 'ROLE',
        targetId: lowRole,
        allow: '0',
        deny: P.MANAGE_MESSAGES.toString(),
      });
      expect(replaced.setChannelOverwrite.overwrites).toHaveLength(4);
      // The member overwrite gives the target SEND back after @everyone's deny.
      const targetView = (await h.ok<{ channel: ChannelView }>(target, GET, { id: general })).channel;
      expect(BigInt(targetView.myPermissions) & P.SEND_MESSAGES).toBe(P.SEND_MESSAGES);
      const memberView = (await h.ok<{ channel: ChannelView }>(member, GET, { id: general })).channel;
      expect(BigInt(memberView.myPermissions) & P.SEND_MESSAGES).toBe(0n);

      const entries = await h.auditOf(guildId, 'OVERWRITE_UPDATE');
      expect(entries).toHaveLength(5);
      const last = entries.find((e) => e.actorId === owner)!;
      expect(last).toMatchObject({ targetType: 'CHANNEL', targetId: general });
      expect(last.changes).toEqual([
        { key: 'targetId', before: lowRole, after: lowRole },
        { key: 'targetType', before: 'role', after: 'role' },
        { key: 'allow', before: view, after: '0' },
        { key: 'deny', before: send, after: P.MANAGE_MESSAGES.toString() },
      ]);
      const updated = await eventsOf(guildId, 'ChannelUpdated');
      expect(updated).toHaveLength(5);
      expect(updated[0]!.data).toEqual({
        guildId,
        actorId: roleManager,
        channelId: general,
        fields: ['overwrites'],
      });
    });

    it('deleteChannelOverwrite needs MANAGE_ROLES there, and NOT_FOUND when there is none', async () => {
      const { owner, guildId, general, member } = await cast();
      const role = await h.seed.role(guildId, 0n, 4);
      const roleManager = await h.seed.member(guildId, [await h.seed.role(guildId, P.MANAGE_ROLES, 3)]);
      await h.ok(owner, SET_OW, {
        c: general,
        input: { targetType: 'ROLE', targetId: role, allow: P.VIEW_CHANNEL.toString(), deny: '0' },
      });
      expect(codeOf(await h.as(member, DELETE_OW, { c: general, t: role }))).toBe('FORBIDDEN');
      // The role sits above the manager's.
      expect(codeOf(await h.as(roleManager, DELETE_OW, { c: general, t: role }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(owner, DELETE_OW, { c: general, t: member }))).toBe('NOT_FOUND');
      const result = await h.ok<{ deleteChannelOverwrite: ChannelView }>(owner, DELETE_OW, {
        c: general,
        t: role,
      });
      expect(result.deleteChannelOverwrite.overwrites).toEqual([]);
      const [entry] = await h.auditOf(guildId, 'OVERWRITE_DELETE');
      expect(entry).toMatchObject({ actorId: owner, targetId: general });
      expect(entry!.changes).toEqual([
        { key: 'targetId', before: role },
        { key: 'targetType', before: 'role' },
        { key: 'allow', before: P.VIEW_CHANNEL.toString() },
        { key: 'deny', before: '0' },
      ]);
      expect((await eventsOf(guildId, 'ChannelUpdated')).map((e) => e.data)).toContainEqual({
        guildId,
        actorId: owner,
        channelId: general,
        fields: ['overwrites'],
      });
      expect(codeOf(await h.as(owner, DELETE_OW, { c: general, t: role }))).toBe('NOT_FOUND');
    });
  });

  describe('updateChannel', () => {
    it('needs MANAGE_CHANNELS in the channel, and MANAGE_ROLES too for private', async () => {
      const { owner, general, manager, managerRole, admin, member, outsider } = await cast();
      const input = { topic: 'hello' };
      expect(codeOf(await h.as(undefined, UPDATE, { id: general, input }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await h.as(outsider, UPDATE, { id: general, input }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(member, UPDATE, { id: general, input }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(member, UPDATE, { id: testIds.next(), input }))).toBe('NOT_FOUND');
      expect(codeOf(await h.as(manager, UPDATE, { id: general, input: { private: true } }))).toBe(
        'FORBIDDEN',
      );
      for (const who of [manager, admin, owner])
        expect(
          (await h.ok<{ updateChannel: ChannelView }>(who, UPDATE, { id: general, input })).updateChannel
            .topic,
        ).toBe('hello');
      // An overwrite denying MANAGE_CHANNELS in this channel takes it from the manager here.
      await h.db.insert(channelOverwrites).values({
        channelId: general,
        targetId: managerRole,
        targetType: 'role',
        allow: 0n,
        deny: P.MANAGE_CHANNELS,
      });
      expect(codeOf(await h.as(manager, UPDATE, { id: general, input }))).toBe('FORBIDDEN');
    });

    it('applies and validates changes; audits the diff; publishes ChannelUpdated with the fields', async () => {
      const { owner, guildId, general, category, member } = await cast();
      const voice = await createChannel(owner, guildId, { name: 'talk', kind: 'VOICE' });
      const result = await h.ok<{ updateChannel: ChannelView }>(owner, UPDATE, {
        id: general,
        input: { name: 'Main Hall', topic: 'welcome', slowmodeSeconds: 5, parentId: null, position: 3 },
      });
      expect(result.updateChannel).toMatchObject({
        name: 'main-hall',
        topic: 'welcome',
        slowmodeSeconds: 5,
        parent: null,
        position: 3,
      });
      const [entry] = await h.auditOf(guildId, 'CHANNEL_UPDATE');
      expect(entry).toMatchObject({ actorId: owner, targetType: 'CHANNEL', targetId: general });
      expect(entry!.changes).toEqual([
        { key: 'name', before: 'general', after: 'main-hall' },
        { key: 'topic', before: null, after: 'welcome' },
        { key: 'parentId', before: category, after: null },
        { key: 'position', before: 0, after: 3 },
        { key: 'slowmodeSeconds', before: 0, after: 5 },
      ]);
      const [event] = await eventsOf(guildId, 'ChannelUpdated');
      expect(event!.data).toEqual({
        guildId,
        actorId: owner,
        channelId: general,
        fields: ['name', 'topic', 'parentId', 'position', 'slowmodeSeconds'],
      });

      const tuned = await h.ok<{ updateChannel: ChannelView }>(owner, UPDATE, {
        id: voice.id,
        input: { bitrate: 128000, voiceRegion: 'us-east', parentId: category },
      });
      expect(tuned.updateChannel).toMatchObject({
        bitrate: 128000,
        voiceRegion: 'us-east',
        parent: { id: category },
      });

      for (const [id, input] of [
        [general, { name: null }],
        [general, { name: '  ' }],
        [general, { topic: 'x'.repeat(1025) }],
        [general, { slowmodeSeconds: 21601 }],
        [general, { bitrate: 64000 }],
        [general, { parentId: voice.id }],
        [general, { private: null }],
        [voice.id, { topic: 'no' }],
        [voice.id, { bitrate: 1000 }],
        [category, { parentId: category }],
      ] as const)
        expect(codeOf(await h.as(owner, UPDATE, { id, input })), JSON.stringify(input)).toBe('VALIDATION');
      expect((await channelRow(general))!.name).toBe('main-hall');

      // private toggles @everyone's VIEW_CHANNEL deny.
      const hidden = await h.ok<{ updateChannel: ChannelView }>(owner, UPDATE, {
        id: general,
        input: { private: true },
      });
      expect(hidden.updateChannel.private).toBe(true);
      expect(await visibleTo(member, guildId)).not.toContain(general);
      // A system channel the caller cannot view is not shown to them.
      const memberSees = await h.ok<{ guild: { systemChannel: { id: string } | null } }>(member, LIST, {
        id: guildId,
      });
      expect(memberSees.guild.systemChannel).toBeNull();
      const ownerSees = await h.ok<{ guild: { systemChannel: { id: string } | null } }>(owner, LIST, {
        id: guildId,
      });
      expect(ownerSees.guild.systemChannel).toEqual({ id: general });
      const shown = await h.ok<{ updateChannel: ChannelView }>(owner, UPDATE, {
        id: general,
        input: { private: false },
      });
      expect(shown.updateChannel).toMatchObject({ private: false, overwrites: [] });
      expect(await visibleTo(member, guildId)).toContain(general);
      const privacy = (await h.auditOf(guildId, 'CHANNEL_UPDATE')).flatMap(
        (e) => e.changes as { key: string }[],
      );
      expect(privacy.filter((c) => c.key === 'private')).toEqual([
        { key: 'private', before: false, after: true },
        { key: 'private', before: true, after: false },
      ]);
    });
  });

  describe('userLimit', () => {
    it('a voice channel takes 0-99 members at once (0: no limit) on creation', async () => {
      const { owner, guildId } = await cast();
      for (const userLimit of [0, 1, 99])
        expect((await createChannel(owner, guildId, { name: 'v', kind: 'VOICE', userLimit })).userLimit).toBe(
          userLimit,
        );
      // Null is the default, as for the other optional fields; 0 is no limit, which other kinds have.
      expect(
        (await createChannel(owner, guildId, { name: 'v', kind: 'VOICE', userLimit: null })).userLimit,
      ).toBe(0);
      expect((await createChannel(owner, guildId, { name: 't', userLimit: 0 })).userLimit).toBe(0);
    });

    it('updates within 0-99 on voice channels only; audits the change and announces the field', async () => {
      const { owner, guildId, general, category, manager, member } = await cast();
      const voice = await createChannel(owner, guildId, { name: 'talk', kind: 'VOICE' });
      const limited = await h.ok<{ updateChannel: ChannelView }>(manager, UPDATE, {
        id: voice.id,
        input: { userLimit: 25 },
      });
      expect(limited.updateChannel).toMatchObject({ id: voice.id, userLimit: 25, bitrate: 64000 });
      expect((await channelRow(voice.id))!.userLimit).toBe(25);
      const [entry] = await h.auditOf(guildId, 'CHANNEL_UPDATE');
      expect(entry).toMatchObject({ actorId: manager, targetType: 'CHANNEL', targetId: voice.id });
      expect(entry!.changes).toEqual([{ key: 'userLimit', before: 0, after: 25 }]);
      const [event] = await eventsOf(guildId, 'ChannelUpdated');
      expect(event!.data).toEqual({ guildId, actorId: manager, channelId: voice.id, fields: ['userLimit'] });

      // With other voice settings at once: one entry, one event, every field named.
      await h.ok(owner, UPDATE, {
        id: voice.id,
        input: { userLimit: 99, bitrate: 96000, voiceRegion: 'eu-west' },
      });
      const both = (await h.auditOf(guildId, 'CHANNEL_UPDATE'))[1]!;
      expect(both.changes).toEqual([
        { key: 'voiceRegion', before: null, after: 'eu-west' },
        { key: 'bitrate', before: 64000, after: 96000 },
        { key: 'userLimit', before: 25, after: 99 },
      ]);
      expect((await eventsOf(guildId, 'ChannelUpdated'))[1]!.data).toEqual({
        guildId,
        actorId: owner,
        channelId: voice.id,
        fields: ['voiceRegion', 'bitrate', 'userLimit'],
      });

      // Back to no limit.
      const unlimited = await h.ok<{ updateChannel: ChannelView }>(owner, UPDATE, {
        id: voice.id,
        input: { userLimit: 0 },
      });
      expect(unlimited.updateChannel.userLimit).toBe(0);
      expect((await h.auditOf(guildId, 'CHANNEL_UPDATE'))[2]!.changes).toEqual([
        { key: 'userLimit', before: 99, after: 0 },
      ]);

      const entriesBefore = (await h.auditOf(guildId, 'CHANNEL_UPDATE')).length;
      for (const [id, input] of [
        [voice.id, { userLimit: -1 }],
        [voice.id, { userLimit: 100 }],
        [voice.id, { userLimit: null }],
        [general, { userLimit: 5 }],
        [category, { userLimit: 1 }],
        [general, { userLimit: null }],
      ] as const)
        expect(codeOf(await h.as(owner, UPDATE, { id, input })), JSON.stringify([id, input])).toBe(
          'VALIDATION',
        );
      expect(codeOf(await h.as(member, UPDATE, { id: voice.id, input: { userLimit: 3 } }))).toBe('FORBIDDEN');
      // 0 on a text channel is what it has already: accepted, and nothing changes.
      const same = await h.ok<{ updateChannel: ChannelView }>(owner, UPDATE, {
        id: general,
        input: { userLimit: 0 },
      });
      expect(same.updateChannel.userLimit).toBe(0);
      expect(await h.auditOf(guildId, 'CHANNEL_UPDATE')).toHaveLength(entriesBefore);
      expect((await channelRow(voice.id))!.userLimit).toBe(0);
      expect((await channelRow(general))!.userLimit).toBe(0);
    });

    it('a deleted voice channel’s audit entry keeps its limit', async () => {
      const { owner, guildId } = await cast();
      const voice = await createChannel(owner, guildId, { name: 'gone', kind: 'VOICE', userLimit: 8 });
      await h.ok(owner, DELETE, { id: voice.id });
      const [entry] = await h.auditOf(guildId, 'CHANNEL_DELETE');
      expect(entry!.changes).toContainEqual({ key: 'userLimit', before: 8 });
    });
  });

  describe('deleteChannel', () => {
    it('needs MANAGE_CHANNELS; un-parents a category’s channels and clears the system channel', async () => {
      const { owner, guildId, general, category, manager, member } = await cast();
      expect(codeOf(await h.as(member, DELETE, { id: general }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(member, DELETE, { id: testIds.next() }))).toBe('NOT_FOUND');

      expect((await h.ok<{ deleteChannel: string }>(manager, DELETE, { id: category })).deleteChannel).toBe(
        category,
      );
      expect((await channelRow(general))!.parentId).toBeNull();
      await h.ok(owner, DELETE, { id: general });
      expect(await channelRow(general)).toBeUndefined();
      const listed = (
        await h.ok<{ guild: { systemChannel: null; channels: unknown[] } }>(owner, LIST, { id: guildId })
      ).guild;
      expect(listed).toEqual({ systemChannel: null, channels: [] });
      const [row] = await h.db.select().from(guilds).where(eq(guilds.id, guildId));
      expect(row!.systemChannelId).toBeNull();

      const entries = await h.auditOf(guildId, 'CHANNEL_DELETE');
      expect(entries.map((e) => [e.actorId, e.targetId])).toEqual(
        expect.arrayContaining([
          [manager, category],
          [owner, general],
        ]),
      );
      const deleted = await eventsOf(guildId, 'ChannelDeleted');
      expect(deleted.map((e) => e.data)).toEqual([
        { guildId, actorId: manager, channelId: category },
        { guildId, actorId: owner, channelId: general },
      ]);
    });

    it('a DM is not a guild channel', async () => {
      const { owner } = await cast();
      const dm = testIds.next();
      await h.db.insert(channels).values({ id: dm, guildId: null, kind: 'dm' });
      expect(codeOf(await h.as(owner, DELETE, { id: dm }))).toBe('FORBIDDEN');
    });
  });

  describe('reorderChannels', () => {
    it('moves all or nothing, audits and publishes, and returns the visible channels in order', async () => {
      const { owner, guildId, general, category, manager, member } = await cast();
      const a = await createChannel(owner, guildId, { name: 'a' });
      const b = await createChannel(owner, guildId, { name: 'b', parentId: category });
      const other = (
        await h.ok<{ createGuild: { systemChannel: { id: string } } }>(owner, CREATE_GUILD, {
          name: 'Else',
        })
      ).createGuild.systemChannel.id;

      const p = (id: string, position: number, parentId?: string | null) =>
        parentId === undefined ? { id, position } : { id, position, parentId };
      expect(codeOf(await h.as(member, REORDER, { g: guildId, p: [p(a.id, 0)] }))).toBe('FORBIDDEN');
      const before = await h.db
        .select()
        .from(channels)
        .where(eq(channels.guildId, guildId))
        .orderBy(channels.id);
      for (const positions of [
        [p(a.id, 5), p(other, 0)],
        [p(a.id, 5), p(testIds.next(), 0)],
        [p(a.id, 5), p(a.id, 6)],
        [p(a.id, 5), p(b.id, 0, general)],
        [p(a.id, 5), p(category, 1, category)],
        [p(a.id, -1)],
        [],
      ])
        expect(
          codeOf(await h.as(owner, REORDER, { g: guildId, p: positions })),
          JSON.stringify(positions),
        ).toBe('VALIDATION');
      expect(
        await h.db.select().from(channels).where(eq(channels.guildId, guildId)).orderBy(channels.id),
      ).toEqual(before);
      expect(await h.auditOf(guildId, 'CHANNELS_REORDER')).toEqual([]);

      const result = await h.ok<{
        reorderChannels: { id: string; position: number; parent: { id: string } | null }[];
      }>(manager, REORDER, {
        g: guildId,
        p: [p(a.id, 0, category), p(general, 2), p(b.id, 1, null), p(category, 3)],
      });
      expect(result.reorderChannels.map((c) => [c.id, c.position, c.parent?.id ?? null])).toEqual([
        [a.id, 0, category],
        [b.id, 1, null],
        [general, 2, category],
        [category, 3, null],
      ]);
      const [entry] = await h.auditOf(guildId, 'CHANNELS_REORDER');
      expect(entry).toMatchObject({ actorId: manager, targetType: 'CHANNEL', targetId: null });
      expect(entry!.changes).toContainEqual({
        key: a.id,
        before: { position: 1, parentId: null },
        after: { position: 0, parentId: category },
      });
      const [event] = await eventsOf(guildId, 'ChannelsReordered');
      expect(event!.data).toEqual({
        guildId,
        actorId: manager,
        channelIds: [a.id, general, b.id, category],
      });
    });
  });

  describe('events', () => {
    it('are written with the change and published after commit; a refused change leaves none', async () => {
      const { owner, guildId, member } = await cast();
      const pending = async () => (await h.db.select({ n: count() }).from(outboxEvents))[0]!.n;
      await h.flush();
      const before = await pending();
      expect(codeOf(await h.as(member, CREATE, { g: guildId, input: { name: 'x' } }))).toBe('FORBIDDEN');
      expect(codeOf(await h.as(owner, CREATE, { g: guildId, input: { name: '' } }))).toBe('VALIDATION');
      expect(await pending()).toBe(before);
      const made = await createChannel(owner, guildId, { name: 'evented' });
      await h.flush();
      const published = h.events.events.filter(
        (e) => e.type === 'ChannelCreated' && (e.data as { channelId: string }).channelId === made.id,
      );
      expect(published).toHaveLength(1);
      expect(published[0]!.subject).toBe(`guild.${guildId}`);
    });
  });
});
