import { ApolloClient, ApolloLink } from '@apollo/client';
import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { createCache } from './cache.ts';
import {
  ChannelVoiceStatesDocument,
  MyVoiceStateDocument,
  UserFieldsFragmentDoc,
  VoiceStateFieldsFragmentDoc,
  VoiceStatesDocument,
  type VoiceStateFieldsFragment,
} from './generated/graphql.ts';
import { applyFeedEvent } from './live-cache.ts';
import { MessageWriter } from './message-writer.ts';
import { PresenceStore, TypingStore, VoiceEvents, type VoiceFeedEvent } from './stores.ts';

const GUILD = '300';
const LOUNGE = '400';
const STAGE = '401';
const user = (id: string, displayName: string) => ({
  __typename: 'User' as const,
  id,
  displayName,
  handle: displayName.toLowerCase(),
  createdAt: '2026-01-01T00:00:00Z',
});
const ALICE = user('10', 'Alice');
const BOB = user('11', 'Bob');
const CAROL_ID = '12';

const QUIET = { selfMute: false, selfDeaf: false, serverMute: false, serverDeaf: false };
const state = (who: typeof ALICE, channelId: string, flags: Partial<typeof QUIET> = {}) =>
  ({
    __typename: 'VoiceState',
    user: who,
    channel: { __typename: 'Channel', id: channelId },
    guild: { __typename: 'Guild', id: GUILD },
    ...QUIET,
    ...flags,
    selfVideo: false,
    selfStream: false,
    connected: true,
    joinedAt: '2026-12-06T10:00:00Z',
  }) satisfies VoiceStateFieldsFragment;

/** A cache holding the guild's calls (Bob in the lounge), each channel's, and Alice's own (none). */
function setup() {
  const requests: string[] = [];
  const network = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        requests.push(operation.operationName ?? '');
        observer.error(new Error('offline in this test'));
      }),
  );
  const apollo = new ApolloClient({ cache: createCache(), link: network });
  const voice = new VoiceEvents();
  const context = {
    apollo,
    viewerId: () => ALICE.id,
    messages: new MessageWriter(apollo),
    typing: new TypingStore(),
    presence: new PresenceStore(),
    voice,
  };
  const { cache } = apollo;
  cache.writeQuery({
    query: VoiceStatesDocument,
    variables: { guildId: GUILD },
    data: { __typename: 'Query', voiceStates: [state(BOB, LOUNGE)] },
  });
  for (const [channelId, states] of [
    [LOUNGE, [state(BOB, LOUNGE)]],
    [STAGE, []],
  ] as const)
    cache.writeQuery({
      query: ChannelVoiceStatesDocument,
      variables: { channelId },
      data: { __typename: 'Query', channelVoiceStates: [...states] },
    });
  cache.writeQuery({ query: MyVoiceStateDocument, data: { __typename: 'Query', myVoiceState: null } });
  // Alice is known (her own profile, say); Carol is not.
  cache.writeFragment({
    id: cache.identify(ALICE),
    fragment: UserFieldsFragmentDoc,
    fragmentName: 'UserFields',
    data: ALICE,
  });
  const guildCall = () =>
    cache
      .readQuery({ query: VoiceStatesDocument, variables: { guildId: GUILD } })
      ?.voiceStates.map((s) => `${s.user.displayName}@${s.channel.id}${s.selfMute ? ' muted' : ''}`);
  const channelCall = (channelId: string) =>
    cache
      .readQuery({ query: ChannelVoiceStatesDocument, variables: { channelId } })
      ?.channelVoiceStates.map((s) => s.user.displayName);
  const mine = () => cache.readQuery({ query: MyVoiceStateDocument })?.myVoiceState;
  const heard: VoiceFeedEvent[] = [];
  voice.subscribe((event) => heard.push(event));
  const apply = (type: string, data: object) =>
    applyFeedEvent(context, { type, occurredAt: '2026-12-06T10:01:00Z', data });
  const changed = (userId: string, channelId: string | null, more: object = {}) =>
    apply('VoiceStateUpdated', {
      guildId: GUILD,
      userId,
      channelId,
      previousChannelId: null,
      reason: 'update',
      actorId: null,
      state: channelId === null ? null : { ...QUIET, selfVideo: false, selfStream: false },
      ...more,
    });
  return { apollo, requests, guildCall, channelCall, mine, heard, apply, changed };
}

describe('applyFeedEvent: VoiceStateUpdated', () => {
  it('changes a mute in place, everywhere the state shows, asking the network nothing', () => {
    const { guildCall, changed, requests, apollo } = setup();
    changed(BOB.id, LOUNGE, { state: { ...QUIET, selfMute: true, selfVideo: false, selfStream: false } });
    expect(guildCall()).toEqual([`Bob@${LOUNGE} muted`]);
    expect(
      apollo.cache.readQuery({ query: ChannelVoiceStatesDocument, variables: { channelId: LOUNGE } })
        ?.channelVoiceStates[0]?.selfMute,
    ).toBe(true);
    expect(requests).toEqual([]);
  });

  it("adds a cached user's join to the lists of their guild and channel, and to the viewer's own", () => {
    const { guildCall, channelCall, mine, changed, requests } = setup();
    changed(ALICE.id, STAGE, { reason: 'join' });
    expect(guildCall()).toEqual([`Bob@${LOUNGE}`, `Alice@${STAGE}`]);
    expect(channelCall(STAGE)).toEqual(['Alice']);
    expect(channelCall(LOUNGE)).toEqual(['Bob']);
    expect(mine()).toMatchObject({ channel: { id: STAGE }, connected: false });
    expect(requests).toEqual([]);
  });

  it("lists a join whose state the mutation's answer wrote before the event came", () => {
    const { apollo, guildCall, channelCall, mine, changed } = setup();
    apollo.cache.writeFragment({
      id: apollo.cache.identify({ __typename: 'VoiceState', user: ALICE }),
      fragment: VoiceStateFieldsFragmentDoc,
      fragmentName: 'VoiceStateFields',
      data: { ...state(ALICE, STAGE), connected: false },
    });
    expect(channelCall(STAGE)).toEqual([]);
    changed(ALICE.id, STAGE, { reason: 'join' });
    expect(guildCall()).toEqual([`Bob@${LOUNGE}`, `Alice@${STAGE}`]);
    expect(channelCall(STAGE)).toEqual(['Alice']);
    expect(mine()).toMatchObject({ channel: { id: STAGE } });
  });

  it('moves a state between the channel lists', () => {
    const { guildCall, channelCall, changed } = setup();
    changed(BOB.id, STAGE, { reason: 'move', previousChannelId: LOUNGE, actorId: ALICE.id });
    expect(guildCall()).toEqual([`Bob@${STAGE}`]);
    expect(channelCall(LOUNGE)).toEqual([]);
    expect(channelCall(STAGE)).toEqual(['Bob']);
  });

  it('removes a leave, but not one about a call the cache no longer shows them in', () => {
    const { guildCall, channelCall, changed, mine } = setup();
    // Bob joined the stage, then the leave of a call elsewhere arrives: he stays on the stage.
    changed(BOB.id, STAGE, { reason: 'join', previousChannelId: LOUNGE });
    changed(BOB.id, null, { reason: 'leave', previousChannelId: LOUNGE });
    expect(guildCall()).toEqual([`Bob@${STAGE}`]);
    changed(BOB.id, null, { reason: 'disconnect', previousChannelId: STAGE, actorId: ALICE.id });
    expect(guildCall()).toEqual([]);
    expect(channelCall(STAGE)).toEqual([]);
    // The viewer's own leave empties myVoiceState.
    changed(ALICE.id, STAGE, { reason: 'join' });
    changed(ALICE.id, null, { reason: 'dropped', previousChannelId: STAGE });
    expect(mine()).toBeNull();
  });

  it("drops a deleted channel's call from every list, the viewer's own call included", () => {
    const { apollo, guildCall, mine, changed, apply, requests } = setup();
    changed(ALICE.id, LOUNGE, { reason: 'join' });
    changed(BOB.id, STAGE, { reason: 'move', previousChannelId: LOUNGE, actorId: ALICE.id });
    expect(guildCall()).toEqual([`Bob@${STAGE}`, `Alice@${LOUNGE}`]);
    apply('ChannelDeleted', { guildId: GUILD, channelId: LOUNGE, actorId: BOB.id });
    expect(guildCall()).toEqual([`Bob@${STAGE}`]);
    expect(mine()).toBeNull();
    expect(
      apollo.cache.readQuery({ query: ChannelVoiceStatesDocument, variables: { channelId: LOUNGE } }),
    ).toBeNull();
    expect(
      apollo.cache
        .readQuery({ query: ChannelVoiceStatesDocument, variables: { channelId: STAGE } })
        ?.channelVoiceStates.map((s) => s.user.displayName),
    ).toEqual(['Bob']);
    expect(requests).toEqual([]);
  });

  it('reads the lists again for a user it does not know', () => {
    const { apollo, changed } = setup();
    changed(CAROL_ID, LOUNGE, { reason: 'join' });
    expect(apollo.cache.readQuery({ query: VoiceStatesDocument, variables: { guildId: GUILD } })).toBeNull();
    expect(
      apollo.cache.readQuery({ query: ChannelVoiceStatesDocument, variables: { channelId: LOUNGE } }),
    ).toBeNull();
    // Another channel's list is untouched.
    expect(
      apollo.cache.readQuery({ query: ChannelVoiceStatesDocument, variables: { channelId: STAGE } }),
    ).not.toBeNull();
  });

  it('tells the voice listeners, also of room migrations', () => {
    const { heard, changed, apply } = setup();
    changed(BOB.id, LOUNGE, { reason: 'moderate', actorId: ALICE.id });
    apply('VoiceRoomMigrating', {
      guildId: GUILD,
      actorId: ALICE.id,
      channelId: LOUNGE,
      region: 'eu',
      rejoinWithinMs: 3000,
    });
    expect(heard.map((e) => e.type)).toEqual(['VoiceStateUpdated', 'VoiceRoomMigrating']);
  });
});
