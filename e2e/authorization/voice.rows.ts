import {
  AuthzBlockUserDocument,
  AuthzCreateGroupDmDocument,
  AuthzOpenDirectMessageDocument,
  ChannelVoiceStatesDocument,
  DisconnectVoiceMemberDocument,
  JoinVoiceDocument,
  LeaveVoiceDocument,
  ModerateVoiceDocument,
  MoveVoiceMemberDocument,
  MyVoiceStateDocument,
  UpdateVoiceStateDocument,
  VoiceCreateChannelDocument,
  VoiceRegionsDocument,
  VoiceStatesDocument,
  VoiceUpdateChannelDocument,
  VoiceUpdateGuildDocument,
  gql,
  gqlOk,
  type VoiceStateFieldsFragment,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

import { freshMember, isMember, poster, targetMember } from './fixtures.ts';
import {
  everyone,
  members,
  nobody,
  op,
  opEach,
  opWith,
  permissioned,
  privateChannel,
  row,
  signedIn,
  type Expectation,
  type Rows,
} from './rows.ts';
import {
  CALLERS,
  PEOPLE,
  ok,
  outcomeOf,
  perCaller,
  unique,
  type Account,
  type Caller,
  type Outcome,
  type Person,
  type World,
} from './world.ts';

/*
 * Voice: calls in voice channels, DMs and group DMs, voice states, and voice moderation. The voice
 * subgraph never tells a caller that a guild or channel they may not see exists: non-members, and
 * members who cannot view the channel, get NOT_FOUND; members who see it but lack the permission get
 * FORBIDDEN. joinVoice only hands out a node of the static directory (VOICE_CONFIG) and a token:
 * nobody connects to a voice server here.
 */

/**
 * The voice server of the matrix's directory; nothing listens there. (Where mediasoup is installed, the
 * embedded SFU registers itself beside it, so rows accept any node of the directory.)
 */
export const VOICE_NODE = { id: 'authz-node', region: 'local', url: 'ws://127.0.0.1:9/sfu' };

/**
 * The matrix process's voice settings: a static directory with VOICE_NODE, and joins the voice server
 * never confirms kept for ten minutes rather than swept after 30 s (the default), so a call joined in
 * a row's setup is still there when a slow machine runs the row.
 */
export const VOICE_CONFIG = `
voice:
  defaultRegion: ${VOICE_NODE.region}
  connectGraceSeconds: 600
  nodes:
    - { id: ${VOICE_NODE.id}, region: ${VOICE_NODE.region}, url: '${VOICE_NODE.url}' }
`;

const NOT_FOUND = 'NOT_FOUND';
const UNAUTHENTICATED = 'UNAUTHENTICATED';

/** Members of the guild; non-members are told the channel or guild does not exist. */
const voiceMembers: Expectation = { ...members, outsider: NOT_FOUND, banned: NOT_FOUND };
/** Members holding the permission; non-members are told the channel or guild does not exist. */
const voicePermitted: Expectation = { ...permissioned, outsider: NOT_FOUND, banned: NOT_FOUND };
/**
 * The hidden voice channel: only the Manager role is let back in (and ADMINISTRATOR and the owner see
 * everything); everyone else is told it does not exist.
 */
const hiddenVoice: Expectation = {
  ...everyone(NOT_FOUND),
  anonymous: UNAUTHENTICATED,
  permitted: 'OK',
  admin: 'OK',
  owner: 'OK',
};
/** A DM's or group DM's call: its participants; to anyone else it does not exist. */
const callParticipants: Expectation = {
  ...everyone(NOT_FOUND),
  anonymous: UNAUTHENTICATED,
  owner: 'OK',
  member: 'OK',
};

/** `expect` with every OK replaced by `outcome`: what the callers let through are answered. */
const whereAllowed = (expect: Expectation, outcome: Outcome): Expectation =>
  Object.fromEntries(CALLERS.map((c) => [c, expect[c] === 'OK' ? outcome : expect[c]])) as Expectation;

/**
 * A row whose outcome is read from the data: the refusal's code, else what `check` says of the data
 * (OK when it is what the operation promises).
 */
function checked<S, T, V>(r: {
  expect: Expectation;
  setup?: (w: World) => Promise<S>;
  document: TypedDocumentNode<T, V>;
  variables: (fixture: S, w: World, c: Caller) => V;
  check: (data: T, fixture: S, w: World, c: Caller) => Outcome;
}) {
  return row<S>({
    expect: r.expect,
    setup: r.setup,
    run: async (w, c, fixture) => {
      const result = await gql(w.url, r.document, r.variables(fixture, w, c), w.jwt(c));
      const message = result.errors?.[0]?.message;
      if (message) w.notes[c] = message;
      if (result.errors?.length || !result.data) return outcomeOf(result);
      const outcome = r.check(result.data, fixture, w, c);
      if (outcome !== 'OK') w.notes[c] = JSON.stringify(result.data);
      return outcome;
    },
  });
}

/**
 * One target per caller expected to succeed (its action changes the target), and one shared by the
 * callers expected to be refused: were one let through, its outcome would still give it away.
 */
const targetsFor =
  (expect: Expectation, build: (w: World) => Promise<Account>) =>
  async (w: World): Promise<Record<Caller, Account>> => {
    const shared = await build(w);
    return perCaller(CALLERS, (c) => (expect[c] === 'OK' ? build(w) : Promise.resolve(shared)));
  };

/** `user` joins the call of `channelId` (leaving any other). */
const join = (w: World, user: Account, channelId: string) =>
  gqlOk(w.url, JoinVoiceDocument, { channelId }, user.jwt);

/** A fresh member of the main guild (holding the role, when given) in the call of `channelId`. */
async function memberInCall(w: World, channelId: string, roleId?: string): Promise<Account> {
  const user = roleId ? await freshMember(w, w.main.id, roleId) : await targetMember(w, w.main);
  await join(w, user, channelId);
  return user;
}

/** A fresh member holding the Target role, in the call of the public voice channel. */
const targetInCall = (w: World) => memberInCall(w, w.main.voiceId);

/** The poster (a plain member) in the call of `channelId`: someone else for callers to see there. */
async function posterIn(w: World, channelId: string): Promise<Account> {
  const someone = await poster(w);
  await join(w, someone, channelId);
  return someone;
}

/** A fresh voice channel of the main guild. */
const voiceChannel = async (w: World, userLimit = 0) =>
  (
    await ok(w, 'owner', VoiceCreateChannelDocument, {
      guildId: w.main.id,
      input: { name: `v-${unique()}`, kind: 'VOICE', userLimit },
    })
  ).createChannel.id;

/** A fresh voice channel for one, which the poster is in: full. */
async function fullChannel(w: World): Promise<string> {
  const channelId = await voiceChannel(w, 1);
  await posterIn(w, channelId);
  return channelId;
}

/**
 * Every signed-in caller in a call: members in the public voice channel, non-members in a DM call with
 * the owner.
 */
async function everyoneInACall(w: World): Promise<void> {
  await perCaller(PEOPLE, async (p) => {
    if (isMember(p)) return join(w, w.people[p], w.main.voiceId);
    const dm = await ok(w, p, AuthzOpenDirectMessageDocument, { userId: w.people.owner.id });
    return join(w, w.people[p], dm.openDirectMessage.id);
  });
}

/** Every signed-in caller out of any call. */
async function everyoneLeaves(w: World): Promise<void> {
  await perCaller(PEOPLE, (p) => ok(w, p, LeaveVoiceDocument, {}));
}

/** OK when `state` is `user`'s own in `channelId`. */
const stateOf = (state: VoiceStateFieldsFragment | null | undefined, user: Account, channelId?: string) =>
  state?.user.id !== user.id
    ? 'WRONG_USER'
    : channelId && state.channel.id !== channelId
      ? 'WRONG_CHANNEL'
      : 'OK';

/** OK when `user` is among the states, FORBIDDEN (hidden from the caller) when it is not. */
const sees = (states: VoiceStateFieldsFragment[], user: Account) =>
  states.some((s) => s.user.id === user.id) ? 'OK' : 'FORBIDDEN';

/** joinVoice into `channelId`: OK when it answers a voice server, a token, and the caller's state there. */
const joinRow = <S>(
  expect: Expectation,
  setup: ((w: World) => Promise<S>) | undefined,
  channelId: (fixture: S, w: World, c: Caller) => string,
) =>
  checked({
    expect,
    setup,
    document: JoinVoiceDocument,
    variables: (fixture: S, w, c) => ({ channelId: channelId(fixture, w, c) }),
    check: ({ joinVoice }, fixture, w, c) =>
      !/^wss?:\/\//.test(joinVoice.endpoint) || !joinVoice.nodeId || !joinVoice.token
        ? 'NO_NODE'
        : stateOf(joinVoice.state, w.people[c as Person], channelId(fixture, w, c)),
  });

/** A row that moves each caller's target out of the public voice channel into `to`. */
const moveRow = <S>(
  expect: Expectation,
  destination: (w: World) => Promise<S>,
  to: (destination: S, w: World) => string,
  roleId?: (w: World) => string,
) =>
  checked({
    expect,
    setup: async (w) => ({
      destination: await destination(w),
      targets: await targetsFor(expect, (w) => memberInCall(w, w.main.voiceId, roleId?.(w)))(w),
    }),
    document: MoveVoiceMemberDocument,
    variables: ({ destination, targets }, w, c) => ({
      guildId: w.main.id,
      userId: targets[c].id,
      channelId: to(destination, w),
      reason: `moved by ${c}`,
    }),
    check: ({ moveVoiceMember }, { destination, targets }, w, c) =>
      stateOf(moveVoiceMember, targets[c], to(destination, w)),
  });

/** No destination to build: the world's channel. */
const none = () => Promise.resolve(undefined);

export const voiceRows: Rows = {
  // --- where calls can go ---
  'Query.voiceRegions': checked({
    expect: signedIn,
    document: VoiceRegionsDocument,
    variables: () => ({}),
    check: ({ voiceRegions }) =>
      voiceRegions.some((r) => r.id === VOICE_NODE.region && r.nodes >= 1 && r.default) ? 'OK' : 'NO_REGION',
  }),

  // --- joining a call: CONNECT where one can see the channel, or taking part in the DM ---
  'Mutation.joinVoice': joinRow(voiceMembers, undefined, (_, w) => w.main.voiceId),
  'Mutation.joinVoice — hidden voice channel': joinRow(
    hiddenVoice,
    undefined,
    (_, w) => w.main.hiddenVoiceId,
  ),
  // Every member sees it, but @everyone is denied CONNECT; Lower, Manager and Senior are allowed it back.
  'Mutation.joinVoice — CONNECT denied to @everyone': joinRow(
    voicePermitted,
    undefined,
    (_, w) => w.main.closedVoiceId,
  ),
  // A channel for one, which someone is in: only MOVE_MEMBERS lets one in beyond the limit.
  'Mutation.joinVoice — full channel': joinRow(
    { ...voicePermitted, member: 'LIMIT_REACHED' },
    fullChannel,
    (channelId) => channelId,
  ),
  'Mutation.joinVoice — text channel': op(
    whereAllowed(voiceMembers, 'VALIDATION'),
    JoinVoiceDocument,
    (w) => ({ channelId: w.main.generalId }),
  ),
  'Mutation.joinVoice — DM': joinRow(callParticipants, undefined, (_, w) => w.main.dmId),
  'Mutation.joinVoice — group DM': joinRow(
    callParticipants,
    async (w) =>
      (
        await ok(w, 'owner', AuthzCreateGroupDmDocument, {
          userIds: [w.people.member.id, w.take().id],
          name: `call-${unique()}`,
        })
      ).createGroupDm.id,
    (channelId) => channelId,
  ),
  // Each caller's own DM with someone who then blocked them: a participant, who may not call.
  'Mutation.joinVoice — DM with someone who blocked you': opEach(
    nobody,
    async (w) => {
      const blocker = w.take();
      const dms = await perCaller(PEOPLE, async (p) => {
        const { openDirectMessage } = await ok(w, p, AuthzOpenDirectMessageDocument, { userId: blocker.id });
        await gqlOk(w.url, AuthzBlockUserDocument, { userId: w.people[p].id }, blocker.jwt);
        return openDirectMessage.id;
      });
      return { ...dms, anonymous: w.main.dmId };
    },
    JoinVoiceDocument,
    (channelId) => ({ channelId }),
  ),

  // --- one's own call ---
  'Query.myVoiceState': checked({
    expect: signedIn,
    setup: everyoneInACall,
    document: MyVoiceStateDocument,
    variables: () => ({}),
    check: ({ myVoiceState }, _, w, c) => stateOf(myVoiceState, w.people[c as Person]),
  }),
  'Query.myVoiceState — in no call': checked({
    expect: signedIn,
    setup: everyoneLeaves,
    document: MyVoiceStateDocument,
    variables: () => ({}),
    check: ({ myVoiceState }) => (myVoiceState === null ? 'OK' : 'NOT_NULL'),
  }),
  'Mutation.updateVoiceState': checked({
    expect: signedIn,
    setup: everyoneInACall,
    document: UpdateVoiceStateDocument,
    variables: () => ({ selfMute: true, selfDeaf: true }),
    check: ({ updateVoiceState: s }, _, w, c) =>
      s.selfMute && s.selfDeaf ? stateOf(s, w.people[c as Person]) : 'NOT_CHANGED',
  }),
  // STREAM: @everyone holds it in the public voice channel, and DM participants hold it.
  'Mutation.updateVoiceState — camera on': checked({
    expect: signedIn,
    setup: everyoneInACall,
    document: UpdateVoiceStateDocument,
    variables: () => ({ selfVideo: true }),
    check: ({ updateVoiceState: s }) => (s.selfVideo ? 'OK' : 'NOT_CHANGED'),
  }),
  // Members in the call of the channel where @everyone is denied STREAM (Lower, Manager and Senior are
  // allowed it back); non-members cannot be there, and are in no call.
  'Mutation.updateVoiceState — camera where STREAM is denied': checked({
    expect: voicePermitted,
    setup: async (w) => {
      await everyoneLeaves(w);
      await perCaller(PEOPLE.filter(isMember), (p) => join(w, w.people[p], w.main.noStreamVoiceId));
    },
    document: UpdateVoiceStateDocument,
    variables: () => ({ selfStream: true }),
    check: ({ updateVoiceState: s }) => (s.selfStream ? 'OK' : 'NOT_CHANGED'),
  }),
  'Mutation.updateVoiceState — in no call': opWith(
    { ...everyone(NOT_FOUND), anonymous: UNAUTHENTICATED },
    everyoneLeaves,
    UpdateVoiceStateDocument,
    () => ({ selfMute: true }),
  ),
  'Mutation.leaveVoice': checked({
    expect: signedIn,
    setup: everyoneInACall,
    document: LeaveVoiceDocument,
    variables: () => ({}),
    check: ({ leaveVoice }) => (leaveVoice ? 'OK' : 'FALSE'),
  }),
  'Mutation.leaveVoice — in no call': checked({
    expect: whereAllowed(signedIn, 'FALSE'),
    setup: everyoneLeaves,
    document: LeaveVoiceDocument,
    variables: () => ({}),
    check: ({ leaveVoice }) => (leaveVoice ? 'OK' : 'FALSE'),
  }),

  // --- who is in which call: members, each call as far as its channel is visible to them ---
  'Query.voiceStates': checked({
    expect: voiceMembers,
    setup: (w) => posterIn(w, w.main.voiceId),
    document: VoiceStatesDocument,
    variables: (_, w) => ({ guildId: w.main.id }),
    check: ({ voiceStates }, someone) => sees(voiceStates, someone),
  }),
  // The call of the hidden channel is left out for those who cannot view it (FORBIDDEN: not shown).
  'Query.voiceStates — hidden voice channel’s call': checked({
    expect: { ...privateChannel, outsider: NOT_FOUND, banned: NOT_FOUND },
    setup: (w) => memberInCall(w, w.main.hiddenVoiceId, w.main.roles.manager),
    document: VoiceStatesDocument,
    variables: (_, w) => ({ guildId: w.main.id }),
    check: ({ voiceStates }, someone) => sees(voiceStates, someone),
  }),
  'Query.channelVoiceStates': checked({
    expect: voiceMembers,
    setup: (w) => posterIn(w, w.main.voiceId),
    document: ChannelVoiceStatesDocument,
    variables: (_, w) => ({ channelId: w.main.voiceId }),
    check: ({ channelVoiceStates }, someone) => sees(channelVoiceStates, someone),
  }),
  'Query.channelVoiceStates — hidden voice channel': checked({
    expect: hiddenVoice,
    setup: (w) => memberInCall(w, w.main.hiddenVoiceId, w.main.roles.manager),
    document: ChannelVoiceStatesDocument,
    variables: (_, w) => ({ channelId: w.main.hiddenVoiceId }),
    check: ({ channelVoiceStates }, someone) => sees(channelVoiceStates, someone),
  }),
  'Query.channelVoiceStates — DM': checked({
    expect: callParticipants,
    setup: async (w) => {
      await join(w, w.people.member, w.main.dmId);
      return w.people.member;
    },
    document: ChannelVoiceStatesDocument,
    variables: (_, w) => ({ channelId: w.main.dmId }),
    check: ({ channelVoiceStates }, someone) => sees(channelVoiceStates, someone),
  }),
  'Query.channelVoiceStates — text channel': op(
    whereAllowed(voiceMembers, 'VALIDATION'),
    ChannelVoiceStatesDocument,
    (w) => ({ channelId: w.main.generalId }),
  ),

  // --- server mute and deafen: MUTE_MEMBERS, DEAFEN_MEMBERS (no rank needed, as in Discord) ---
  'Mutation.moderateVoice': checked({
    expect: voicePermitted, // MUTE_MEMBERS
    setup: targetsFor(voicePermitted, targetInCall),
    document: ModerateVoiceDocument,
    variables: (targets, w, c) => ({ guildId: w.main.id, userId: targets[c].id, serverMute: true }),
    check: ({ moderateVoice: m }, targets, w, c) =>
      m.user.id === targets[c].id && m.serverMute && !m.serverDeaf ? 'OK' : 'NOT_MUTED',
  }),
  'Mutation.moderateVoice — server deafen': checked({
    expect: voicePermitted, // DEAFEN_MEMBERS
    setup: targetsFor(voicePermitted, targetInCall),
    document: ModerateVoiceDocument,
    variables: (targets, w, c) => ({ guildId: w.main.id, userId: targets[c].id, serverDeaf: true }),
    check: ({ moderateVoice: m }, targets, w, c) =>
      m.user.id === targets[c].id && m.serverDeaf ? 'OK' : 'NOT_DEAFENED',
  }),
  'Mutation.moderateVoice — lifting a mute': checked({
    expect: voicePermitted, // MUTE_MEMBERS
    setup: targetsFor(voicePermitted, async (w) => {
      const target = await targetInCall(w);
      await ok(w, 'owner', ModerateVoiceDocument, {
        guildId: w.main.id,
        userId: target.id,
        serverMute: true,
      });
      return target;
    }),
    document: ModerateVoiceDocument,
    variables: (targets, w, c) => ({ guildId: w.main.id, userId: targets[c].id, serverMute: false }),
    check: ({ moderateVoice: m }) => (m.serverMute ? 'STILL_MUTED' : 'OK'),
  }),
  // Kept for their next call.
  'Mutation.moderateVoice — a member in no call': checked({
    expect: voicePermitted,
    setup: targetsFor(voicePermitted, (w) => targetMember(w, w.main)),
    document: ModerateVoiceDocument,
    variables: (targets, w, c) => ({
      guildId: w.main.id,
      userId: targets[c].id,
      serverMute: true,
      serverDeaf: true,
    }),
    check: ({ moderateVoice: m }) => (m.serverMute && m.serverDeaf ? 'OK' : 'NOT_MODERATED'),
  }),
  'Mutation.moderateVoice — someone not in the guild': op(
    whereAllowed(voicePermitted, NOT_FOUND),
    ModerateVoiceDocument,
    (w) => ({ guildId: w.main.id, userId: w.people.outsider.id, serverMute: true }),
  ),

  // --- moving a member between the guild's calls: MOVE_MEMBERS, and CONNECT there for both ---
  // Not encoded, as it looks wrong: moveVoiceMember and disconnectVoiceMember check MOVE_MEMBERS
  // guild-wide and never look at the channel the member is in, so Lower and Senior, who cannot see
  // the hidden voice channel, move and disconnect members out of its call (and learn who is in it:
  // disconnect answers true, a move OK rather than NOT_FOUND). Discord asks for MOVE_MEMBERS (and so
  // VIEW_CHANNEL) in the member's current channel too.
  'Mutation.moveVoiceMember': moveRow(voicePermitted, voiceChannel, (id) => id),
  // The target (Manager) may connect there; Lower and Senior cannot see it.
  'Mutation.moveVoiceMember — to a channel the moderator cannot see': moveRow(
    { ...hiddenVoice, member: 'FORBIDDEN' /* no MOVE_MEMBERS, asked first */ },
    none,
    (_, w) => w.main.hiddenVoiceId,
    (w) => w.main.roles.manager,
  ),
  // The target (Target role) is denied CONNECT there; every moderator may connect.
  'Mutation.moveVoiceMember — to a channel the member may not connect to': moveRow(
    whereAllowed(voicePermitted, 'FORBIDDEN'),
    none,
    (_, w) => w.main.closedVoiceId,
  ),
  // The target's user limit does not apply to a move.
  'Mutation.moveVoiceMember — into a full channel': moveRow(voicePermitted, fullChannel, (id) => id),
  'Mutation.moveVoiceMember — a member in no call': opWith(
    whereAllowed(voicePermitted, NOT_FOUND),
    (w) => targetMember(w, w.main),
    MoveVoiceMemberDocument,
    (target, w) => ({ guildId: w.main.id, userId: target.id, channelId: w.main.voiceId }),
  ),

  // --- disconnecting a member from the guild's call: MOVE_MEMBERS ---
  'Mutation.disconnectVoiceMember': checked({
    expect: voicePermitted,
    setup: targetsFor(voicePermitted, targetInCall),
    document: DisconnectVoiceMemberDocument,
    variables: (targets, w, c) => ({ guildId: w.main.id, userId: targets[c].id, reason: `by ${c}` }),
    check: ({ disconnectVoiceMember }) => (disconnectVoiceMember ? 'OK' : 'FALSE'),
  }),
  'Mutation.disconnectVoiceMember — a member in no call': checked({
    expect: whereAllowed(voicePermitted, 'FALSE'),
    setup: (w) => targetMember(w, w.main),
    document: DisconnectVoiceMemberDocument,
    variables: (target, w) => ({ guildId: w.main.id, userId: target.id }),
    check: ({ disconnectVoiceMember }) => (disconnectVoiceMember ? 'OK' : 'FALSE'),
  }),

  // --- the guild's side of voice: a channel's user limit, the guild's region ---
  'Mutation.createChannel — voice channel with a user limit': op(
    permissioned, // MANAGE_CHANNELS
    VoiceCreateChannelDocument,
    (w, c) => ({ guildId: w.main.id, input: { name: `by-${c}`, kind: 'VOICE' as const, userLimit: 5 } }),
  ),
  'Mutation.updateChannel — a voice channel’s user limit': opWith(
    permissioned, // MANAGE_CHANNELS
    (w) => voiceChannel(w),
    VoiceUpdateChannelDocument,
    (id, w, c) => ({ id, input: { userLimit: CALLERS.indexOf(c) + 1 } }),
  ),
  'Mutation.updateGuild — voice region': op(
    permissioned, // MANAGE_GUILD
    VoiceUpdateGuildDocument,
    (w) => ({ id: w.main.id, input: { voiceRegion: VOICE_NODE.region } }),
  ),
};
