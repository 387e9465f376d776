import { randomUUID } from 'node:crypto';

import { newEvent, subjects, type EventPayloads, type EventType, type Subject } from '@gochat/events';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';

import { openVoiceHarness, type VoiceHarness } from './test-harness.ts';

const JOIN = `mutation ($channelId: ID!, $selfMute: Boolean) {
  joinVoice(channelId: $channelId, selfMute: $selfMute) {
    endpoint nodeId region token expiresAt
    state { user { id } channel { id } guild { id } selfMute selfDeaf serverMute serverDeaf connected }
  }
}`;
const LEAVE = `mutation { leaveVoice }`;
const UPDATE = `mutation ($selfMute: Boolean, $selfDeaf: Boolean, $selfVideo: Boolean) {
  updateVoiceState(selfMute: $selfMute, selfDeaf: $selfDeaf, selfVideo: $selfVideo) { selfMute selfDeaf selfVideo }
}`;
const STATES = `query ($guildId: ID!) { voiceStates(guildId: $guildId) { user { id } channel { id } serverMute connected } }`;
const CHANNEL_STATES = `query ($channelId: ID!) { channelVoiceStates(channelId: $channelId) { user { id } } }`;
const MINE = `query { myVoiceState { channel { id } selfMute } }`;
const REGIONS = `query { voiceRegions { id nodes default } }`;
const MODERATE = `mutation ($guildId: ID!, $userId: ID!, $mute: Boolean, $deaf: Boolean) {
  moderateVoice(guildId: $guildId, userId: $userId, serverMute: $mute, serverDeaf: $deaf, reason: "too loud") {
    user { id } serverMute serverDeaf
  }
}`;
const MOVE = `mutation ($guildId: ID!, $userId: ID!, $channelId: ID!) {
  moveVoiceMember(guildId: $guildId, userId: $userId, channelId: $channelId) { channel { id } connected }
}`;
const DISCONNECT = `mutation ($guildId: ID!, $userId: ID!) { disconnectVoiceMember(guildId: $guildId, userId: $userId) }`;

interface Joined {
  joinVoice: {
    endpoint: string;
    nodeId: string;
    region: string;
    token: string;
    state: { channel: { id: string }; serverMute: boolean; connected: boolean; selfMute: boolean };
  };
}

const voiceEvents = (h: VoiceHarness, type: string, userId: string) =>
  h.events.events.filter((e) => e.type === type && (e.data as { userId?: string }).userId === userId);

async function audit(h: VoiceHarness, guildId: string, action: string) {
  const result = await h.db.execute(
    sql`select actor_id, target_id, changes, reason from audit_log where guild_id = ${guildId}::bigint and action = ${action}`,
  );
  return (result as { rows: Record<string, unknown>[] }).rows;
}

/** An event on the harness's bus, as the outbox or an SFU node would publish it. */
const publishOn =
  (h: VoiceHarness) =>
  <T extends EventType>(type: T, subject: Subject, data: EventPayloads[T]) =>
    h.bus.publish({
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      ...newEvent(type, subject, data),
    });

await describeOnBothDatabases('voice', openVoiceHarness, (h) => {
  const publish = publishOn(h);
  let owner: string;
  let member: string;
  let outsider: string;
  let guildId: string;
  let lounge: string;

  /** A fresh guild member (so tests do not share call state). */
  const newMember = async () => {
    const id = await h.createUser();
    await h.seed.member(guildId, id);
    return id;
  };
  const voiceChannel = async (settings: { userLimit?: number; region?: string; bitrate?: number } = {}) => {
    const id = await h.seed.channel(guildId, 'voice');
    await h.db.execute(
      sql`update channels set user_limit = ${settings.userLimit ?? 0}, voice_region = ${settings.region ?? null},
            bitrate = ${settings.bitrate ?? null} where id = ${id}::bigint`,
    );
    return id;
  };
  const join = (who: string, channelId: string) => h.ok<Joined>(who, JOIN, { channelId });

  beforeAll(async () => {
    owner = await h.createUser('Owner');
    member = await h.createUser('Member');
    outsider = await h.createUser('Outsider');
    guildId = await h.seed.guild(owner);
    await h.seed.member(guildId, member);
    lounge = await voiceChannel();
  });

  it('joins a voice channel: a node of its region, a token bound to it, and a state announced to the guild', async () => {
    const { joinVoice } = await join(member, lounge);
    expect(joinVoice).toMatchObject({ endpoint: 'ws://127.0.0.1:1/eu', nodeId: 'node-eu', region: 'eu' });
    expect(joinVoice.state).toMatchObject({ channel: { id: lounge }, serverMute: false, connected: false });
    const token = await h.verify(joinVoice.token, 'node-eu', lounge);
    expect(token).toMatchObject({ userId: member, channelId: lounge, guildId, nodeId: 'node-eu' });
    expect(token.rights).toMatchObject({ speak: true, stream: true, serverMute: false, bitrate: 64_000 });
    await h.flush();
    const [event] = voiceEvents(h, 'VoiceStateUpdated', member);
    expect(event).toMatchObject({
      subject: subjects.guild(guildId),
      data: { channelId: lounge, previousChannelId: null, reason: 'join', state: { selfMute: false } },
    });
    expect((await h.ok<{ myVoiceState: unknown }>(member, MINE)).myVoiceState).toEqual({
      channel: { id: lounge },
      selfMute: false,
    });
  });

  it('refuses outsiders, the anonymous, text channels, bad ids, and members without CONNECT', async () => {
    expect(codeOf(await h.as(outsider, JOIN, { channelId: lounge }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(undefined, JOIN, { channelId: lounge }))).toBe('UNAUTHENTICATED');
    const text = await h.seed.channel(guildId, 'text');
    expect(codeOf(await h.as(member, JOIN, { channelId: text }))).toBe('VALIDATION');
    expect(codeOf(await h.as(member, JOIN, { channelId: 'nope' }))).toBe('VALIDATION');
    const closed = await voiceChannel();
    await h.seed.overwrite(closed, 'role', guildId, 0n, PERMISSIONS.CONNECT);
    expect(codeOf(await h.as(member, JOIN, { channelId: closed }))).toBe('FORBIDDEN');
    const hidden = await voiceChannel();
    await h.seed.overwrite(hidden, 'role', guildId, 0n, PERMISSIONS.VIEW_CHANNEL);
    expect(codeOf(await h.as(member, JOIN, { channelId: hidden }))).toBe('NOT_FOUND');
  });

  it('places by the channel region, else the guild region; the token caps audio at the channel bitrate', async () => {
    const us = await voiceChannel({ region: 'us', bitrate: 96_000 });
    const { joinVoice } = await join(await newMember(), us);
    expect(joinVoice.nodeId).toBe('node-us');
    expect((await h.verify(joinVoice.token, 'node-us', us)).rights.bitrate).toBe(96_000);
    await h.db.execute(sql`update guilds set voice_region = 'us' where id = ${guildId}::bigint`);
    try {
      expect((await join(await newMember(), await voiceChannel())).joinVoice.nodeId).toBe('node-us');
    } finally {
      await h.db.execute(sql`update guilds set voice_region = null where id = ${guildId}::bigint`);
    }
    expect((await h.ok<{ voiceRegions: unknown[] }>(member, REGIONS)).voiceRegions).toEqual(
      expect.arrayContaining([
        { id: 'eu', nodes: 1, default: true },
        { id: 'us', nodes: 1, default: false },
      ]),
    );
  });

  it('ten members joining an empty room at once land on one node', async () => {
    const room = await voiceChannel();
    const people = await Promise.all(Array.from({ length: 10 }, () => newMember()));
    const joined = await Promise.all(people.map((p) => join(p, room)));
    expect(new Set(joined.map((j) => j.joinVoice.nodeId)).size).toBe(1);
    expect(
      (await h.ok<{ channelVoiceStates: unknown[] }>(owner, CHANNEL_STATES, { channelId: room }))
        .channelVoiceStates,
    ).toHaveLength(10);
  });

  it('a full channel refuses more members, even at once; MOVE_MEMBERS holders and those already in get in', async () => {
    const small = await voiceChannel({ userLimit: 2 });
    const people = await Promise.all(Array.from({ length: 5 }, () => newMember()));
    const results = await Promise.all(people.map((p) => h.as(p, JOIN, { channelId: small })));
    expect(results.map(codeOf).sort()).toEqual([
      'LIMIT_REACHED',
      'LIMIT_REACHED',
      'LIMIT_REACHED',
      'OK',
      'OK',
    ]);
    const inside = people.filter((_, i) => codeOf(results[i]!) === 'OK');
    // Joining again (reconnecting) is not a new member.
    expect(codeOf(await h.as(inside[0], JOIN, { channelId: small }))).toBe('OK');
    const mover = await newMember();
    await h.seed.role(guildId, PERMISSIONS.MOVE_MEMBERS, [mover]);
    const { joinVoice } = await join(mover, small);
    expect((await h.verify(joinVoice.token, joinVoice.nodeId, small)).rights).toMatchObject({
      userLimit: 2,
      bypassUserLimit: true,
    });
  });

  it('updates the caller’s own state; camera needs STREAM', async () => {
    const me = await newMember();
    expect(codeOf(await h.as(me, UPDATE, { selfMute: true }))).toBe('NOT_FOUND');
    await join(me, lounge);
    expect(
      (await h.ok<{ updateVoiceState: unknown }>(me, UPDATE, { selfMute: true, selfDeaf: true }))
        .updateVoiceState,
    ).toEqual({
      selfMute: true,
      selfDeaf: true,
      selfVideo: false,
    });
    await h.flush();
    expect(voiceEvents(h, 'VoiceStateUpdated', me).at(-1)?.data).toMatchObject({
      reason: 'update',
      state: { selfMute: true, selfDeaf: true },
    });
    const noStream = await voiceChannel();
    await h.seed.overwrite(noStream, 'role', guildId, 0n, PERMISSIONS.STREAM);
    await join(me, noStream);
    expect(codeOf(await h.as(me, UPDATE, { selfVideo: true }))).toBe('FORBIDDEN');
    expect(
      (await h.ok<{ updateVoiceState: { selfMute: boolean } }>(me, UPDATE, { selfMute: false }))
        .updateVoiceState.selfMute,
    ).toBe(false);
  });

  it('joining another call leaves the first: announced, and the old node told to drop the peer', async () => {
    const me = await newMember();
    const first = await voiceChannel();
    const second = await voiceChannel({ region: 'us' });
    await join(me, first);
    await join(me, second);
    await h.flush();
    expect(voiceEvents(h, 'VoiceStateUpdated', me).at(-1)?.data).toMatchObject({
      channelId: second,
      previousChannelId: first,
      reason: 'join',
    });
    expect(voiceEvents(h, 'VoiceNodeCommand', me).at(-1)).toMatchObject({
      subject: subjects.voiceNode('node-eu'),
      data: { command: 'disconnect', channelId: first, reason: 'switched' },
    });
    expect(await h.directory.boundNode(first)).toBeUndefined();
  });

  it('leaves: the state goes, the room is released when empty, and leaving again answers false', async () => {
    const me = await newMember();
    const room = await voiceChannel();
    await join(me, room);
    expect(await h.directory.boundNode(room)).toBeDefined();
    expect((await h.ok<{ leaveVoice: boolean }>(me, LEAVE)).leaveVoice).toBe(true);
    expect((await h.ok<{ leaveVoice: boolean }>(me, LEAVE)).leaveVoice).toBe(false);
    expect(await h.directory.boundNode(room)).toBeUndefined();
    await h.flush();
    expect(voiceEvents(h, 'VoiceStateUpdated', me).at(-1)?.data).toMatchObject({
      channelId: null,
      reason: 'leave',
      state: null,
    });
    expect(voiceEvents(h, 'VoiceNodeCommand', me).at(-1)?.data).toMatchObject({
      command: 'disconnect',
      reason: 'left',
    });
  });

  it('server mute: MUTE_MEMBERS only; applied at once, audited, and kept across calls', async () => {
    const target = await newMember();
    const room = await voiceChannel();
    await join(target, room);
    expect(codeOf(await h.as(member, MODERATE, { guildId, userId: target, mute: true }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(outsider, MODERATE, { guildId, userId: target, mute: true }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(owner, MODERATE, { guildId, userId: outsider, mute: true }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(owner, MODERATE, { guildId, userId: target }))).toBe('VALIDATION');
    const muter = await newMember();
    await h.seed.role(guildId, PERMISSIONS.MUTE_MEMBERS, [muter]);
    expect(codeOf(await h.as(muter, MODERATE, { guildId, userId: target, deaf: true }))).toBe('FORBIDDEN');
    expect(
      (await h.ok<{ moderateVoice: unknown }>(muter, MODERATE, { guildId, userId: target, mute: true }))
        .moderateVoice,
    ).toEqual({
      user: { id: target },
      serverMute: true,
      serverDeaf: false,
    });
    await h.flush();
    expect(voiceEvents(h, 'VoiceStateUpdated', target).at(-1)?.data).toMatchObject({
      reason: 'moderate',
      actorId: muter,
      state: { serverMute: true },
    });
    expect(voiceEvents(h, 'VoiceNodeCommand', target).at(-1)?.data).toMatchObject({
      command: 'moderate',
      nodeId: 'node-eu',
      channelId: room,
      serverMute: true,
      serverDeaf: false,
    });
    expect(await audit(h, guildId, 'MEMBER_VOICE_UPDATE')).toContainEqual({
      actor_id: muter,
      target_id: target,
      changes: [{ key: 'serverMute', before: false, after: true }],
      reason: 'too loud',
    });
    await h.ok(target, LEAVE);
    const { joinVoice } = await join(target, room);
    expect(joinVoice.state.serverMute).toBe(true);
    expect((await h.verify(joinVoice.token, joinVoice.nodeId, room)).rights.serverMute).toBe(true);
  });

  it('moves a member (MOVE_MEMBERS, both able to connect there): their node is told, audited', async () => {
    const target = await newMember();
    const from = await voiceChannel();
    const to = await voiceChannel({ userLimit: 1 });
    await join(await newMember(), to); // full: a move ignores the limit
    expect(codeOf(await h.as(owner, MOVE, { guildId, userId: target, channelId: to }))).toBe('NOT_FOUND');
    await join(target, from);
    expect(codeOf(await h.as(member, MOVE, { guildId, userId: target, channelId: to }))).toBe('FORBIDDEN');
    const closed = await voiceChannel();
    await h.seed.overwrite(closed, 'member', target, 0n, PERMISSIONS.CONNECT);
    expect(codeOf(await h.as(owner, MOVE, { guildId, userId: target, channelId: closed }))).toBe('FORBIDDEN');
    expect(
      (await h.ok<{ moveVoiceMember: unknown }>(owner, MOVE, { guildId, userId: target, channelId: to }))
        .moveVoiceMember,
    ).toEqual({
      channel: { id: to },
      connected: false,
    });
    await h.flush();
    expect(voiceEvents(h, 'VoiceNodeCommand', target).at(-1)?.data).toMatchObject({
      command: 'move',
      channelId: from,
      targetChannelId: to,
    });
    expect(voiceEvents(h, 'VoiceStateUpdated', target).at(-1)?.data).toMatchObject({
      reason: 'move',
      channelId: to,
      previousChannelId: from,
      actorId: owner,
    });
    expect(await audit(h, guildId, 'MEMBER_VOICE_MOVE')).toContainEqual(
      expect.objectContaining({
        actor_id: owner,
        target_id: target,
        changes: [{ key: 'channelId', before: from, after: to }],
      }),
    );
    // The moved client joins the target with a token of its own, despite the limit.
    expect((await join(target, to)).joinVoice.state.channel.id).toBe(to);
  });

  it('disconnects a member (MOVE_MEMBERS); false when they are in no call', async () => {
    const target = await newMember();
    await join(target, lounge);
    expect(codeOf(await h.as(member, DISCONNECT, { guildId, userId: target }))).toBe('FORBIDDEN');
    expect(
      (await h.ok<{ disconnectVoiceMember: boolean }>(owner, DISCONNECT, { guildId, userId: target }))
        .disconnectVoiceMember,
    ).toBe(true);
    expect(
      (await h.ok<{ disconnectVoiceMember: boolean }>(owner, DISCONNECT, { guildId, userId: target }))
        .disconnectVoiceMember,
    ).toBe(false);
    await h.flush();
    expect(voiceEvents(h, 'VoiceStateUpdated', target).at(-1)?.data).toMatchObject({
      reason: 'disconnect',
      channelId: null,
    });
    expect(voiceEvents(h, 'VoiceNodeCommand', target).at(-1)?.data).toMatchObject({ command: 'disconnect' });
    expect(await audit(h, guildId, 'MEMBER_VOICE_DISCONNECT')).toContainEqual(
      expect.objectContaining({ target_id: target }),
    );
  });

  it('moderators act only on calls in channels they can see, with the permission there', async () => {
    const target = await newMember();
    const hidden = await voiceChannel();
    await h.seed.overwrite(hidden, 'role', guildId, 0n, PERMISSIONS.VIEW_CHANNEL);
    await h.seed.overwrite(hidden, 'member', target, PERMISSIONS.VIEW_CHANNEL, 0n);
    await join(target, hidden);
    const blind = await newMember();
    await h.seed.role(guildId, PERMISSIONS.MOVE_MEMBERS | PERMISSIONS.MUTE_MEMBERS, [blind]);
    // Nothing tells them there is a call they cannot see.
    expect(
      (await h.ok<{ disconnectVoiceMember: boolean }>(blind, DISCONNECT, { guildId, userId: target }))
        .disconnectVoiceMember,
    ).toBe(false);
    expect(codeOf(await h.as(blind, MOVE, { guildId, userId: target, channelId: lounge }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(blind, MODERATE, { guildId, userId: target, mute: true }))).toBe('FORBIDDEN');
    // A channel overwrite taking MOVE_MEMBERS away where the target is.
    const guarded = await voiceChannel();
    await h.seed.overwrite(guarded, 'member', blind, 0n, PERMISSIONS.MOVE_MEMBERS | PERMISSIONS.MUTE_MEMBERS);
    await join(target, guarded);
    expect(codeOf(await h.as(blind, DISCONNECT, { guildId, userId: target }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(blind, MOVE, { guildId, userId: target, channelId: lounge }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(blind, MODERATE, { guildId, userId: target, mute: true }))).toBe('FORBIDDEN');
    expect(
      (await h.ok<{ disconnectVoiceMember: boolean }>(owner, DISCONNECT, { guildId, userId: target }))
        .disconnectVoiceMember,
    ).toBe(true);
  });

  it('a confirmed session gets the member’s current server mute sent to its node', async () => {
    const me = await newMember();
    const { joinVoice } = await join(me, lounge);
    const session = (await h.verify(joinVoice.token, 'node-eu', lounge)).tokenId;
    await h.ok(owner, MODERATE, { guildId, userId: me, deaf: true });
    await h.flush();
    const before = voiceEvents(h, 'VoiceNodeCommand', me).length;
    await publish('VoicePeerReported', subjects.voicePeers('node-eu'), {
      nodeId: 'node-eu',
      userId: me,
      channelId: lounge,
      sessionId: session,
      connected: true,
    });
    await expect.poll(() => voiceEvents(h, 'VoiceNodeCommand', me).length).toBe(before + 1);
    expect(voiceEvents(h, 'VoiceNodeCommand', me).at(-1)?.data).toMatchObject({
      command: 'moderate',
      serverMute: false,
      serverDeaf: true,
    });
  });

  it('voiceStates shows the calls of the channels the caller can see, to members only', async () => {
    const hidden = await voiceChannel();
    await h.seed.overwrite(hidden, 'role', guildId, 0n, PERMISSIONS.VIEW_CHANNEL);
    const secret = await newMember();
    await join(owner, hidden).catch(() => undefined);
    await join(secret, lounge);
    const seen = (
      await h.ok<{ voiceStates: { user: { id: string }; channel: { id: string } }[] }>(member, STATES, {
        guildId,
      })
    ).voiceStates;
    expect(seen.map((s) => s.channel.id)).not.toContain(hidden);
    expect(seen.map((s) => s.user.id)).toContain(secret);
    const all = (await h.ok<{ voiceStates: { channel: { id: string } }[] }>(owner, STATES, { guildId }))
      .voiceStates;
    expect(all.map((s) => s.channel.id)).toContain(hidden);
    expect(codeOf(await h.as(outsider, STATES, { guildId }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(outsider, CHANNEL_STATES, { channelId: lounge }))).toBe('NOT_FOUND');
  });

  it('calls in a DM: its participants only, announced on the DM', async () => {
    const a = await h.createUser();
    const b = await h.createUser();
    const dm = await h.seed.dm(a, b);
    const { joinVoice } = await join(a, dm);
    expect(joinVoice.state.channel.id).toBe(dm);
    expect(codeOf(await h.as(outsider, JOIN, { channelId: dm }))).toBe('NOT_FOUND');
    await h.flush();
    expect(voiceEvents(h, 'VoiceStateUpdated', a).at(-1)).toMatchObject({
      subject: subjects.channelMessages(null, dm),
    });
    await h.seed.block(b, a);
    expect(codeOf(await h.as(b, JOIN, { channelId: dm }))).toBe('FORBIDDEN');
  });

  it('the SFU’s reports confirm a session and end it; a report of an older session changes nothing', async () => {
    const me = await newMember();
    const first = await join(me, lounge);
    const firstSession = (await h.verify(first.joinVoice.token, 'node-eu', lounge)).tokenId;
    const second = await join(me, lounge);
    const session = (await h.verify(second.joinVoice.token, 'node-eu', lounge)).tokenId;
    const report = (sessionId: string, connected: boolean) =>
      publish('VoicePeerReported', subjects.voicePeers('node-eu'), {
        nodeId: 'node-eu',
        userId: me,
        channelId: lounge,
        sessionId,
        connected,
      });
    await report(session, true);
    await expect
      .poll(() => voiceEvents(h, 'VoiceStateUpdated', me).at(-1)?.data)
      .toMatchObject({ reason: 'update', state: { connected: true } });
    await expect
      .poll(
        async () =>
          (
            await h.ok<{ channelVoiceStates: { user: { id: string }; connected?: boolean }[] }>(
              me,
              `query ($c: ID!) { channelVoiceStates(channelId: $c) { user { id } connected } }`,
              { c: lounge },
            )
          ).channelVoiceStates.find((s) => s.user.id === me)?.connected,
      )
      .toBe(true);
    await report(firstSession, false);
    await report(session, false);
    await expect
      .poll(() => voiceEvents(h, 'VoiceStateUpdated', me).at(-1)?.data)
      .toMatchObject({ reason: 'dropped', channelId: null });
    // Only the current session's report removed it: one drop.
    expect(
      voiceEvents(h, 'VoiceStateUpdated', me).filter(
        (e) => (e.data as { reason: string }).reason === 'dropped',
      ),
    ).toHaveLength(1);
  });

  it('the sweep drops joins never confirmed, and calls on nodes that are gone', async () => {
    const late = await newMember();
    const lost = await newMember();
    await join(late, lounge);
    await join(lost, lounge);
    await h.db.execute(
      sql`update voice_states set updated_at = now() - interval '1 hour' where user_id = ${late}`,
    );
    await h.db.execute(
      sql`update voice_states set node_id = 'node-gone', connected_at = now() where user_id = ${lost}`,
    );
    expect(await h.upkeep.sweep()).toBeGreaterThanOrEqual(2);
    await h.flush();
    expect(voiceEvents(h, 'VoiceStateUpdated', late).at(-1)?.data).toMatchObject({
      reason: 'dropped',
      channelId: null,
    });
    expect(voiceEvents(h, 'VoiceStateUpdated', lost).at(-1)?.data).toMatchObject({
      reason: 'nodeLost',
      channelId: null,
    });
  });

  it('a member removed from the guild leaves its call', async () => {
    const gone = await newMember();
    await join(gone, lounge);
    await publish('GuildMemberRemoved', subjects.guild(guildId), {
      guildId,
      actorId: owner,
      userId: gone,
      reason: 'kick',
    });
    await expect
      .poll(() => voiceEvents(h, 'VoiceNodeCommand', gone).at(-1)?.data)
      .toMatchObject({
        command: 'disconnect',
        reason: 'removed',
      });
  });

  it('a deleted channel’s room is closed on its node', async () => {
    const room = await voiceChannel();
    const a = await newMember();
    await join(a, room);
    await h.db.execute(sql`delete from channels where id = ${room}::bigint`);
    await publish('ChannelDeleted', subjects.guild(guildId), { guildId, actorId: owner, channelId: room });
    await expect
      .poll(() =>
        h.events.events.find(
          (e) =>
            e.type === 'VoiceNodeCommand' &&
            (e.data as { command: string; channelId: string }).command === 'close' &&
            (e.data as { channelId: string }).channelId === room,
        ),
      )
      .toMatchObject({ subject: subjects.voiceNode('node-eu') });
    expect(await h.directory.boundNode(room)).toBeUndefined();
  });

  it('a region change moves a live room: members told to rejoin, the old node to close it', async () => {
    const room = await voiceChannel();
    const a = await newMember();
    await join(a, room);
    expect((await h.directory.boundNode(room))?.id).toBe('node-eu');
    await h.db.execute(sql`update channels set voice_region = 'us' where id = ${room}::bigint`);
    await publish('ChannelUpdated', subjects.guild(guildId), {
      guildId,
      actorId: owner,
      channelId: room,
      fields: ['voiceRegion'],
    });
    await expect
      .poll(
        () =>
          h.events.events.find(
            (e) => e.type === 'VoiceRoomMigrating' && (e.data as { channelId: string }).channelId === room,
          )?.data,
      )
      .toMatchObject({ region: 'us', rejoinWithinMs: 3000 });
    expect(
      h.events.events.find(
        (e) =>
          e.type === 'VoiceNodeCommand' &&
          (e.data as { command: string; channelId: string }).command === 'migrate' &&
          (e.data as { channelId: string }).channelId === room,
      ),
    ).toMatchObject({ subject: subjects.voiceNode('node-eu') });
    expect((await join(a, room)).joinVoice.nodeId).toBe('node-us');
  });
});
