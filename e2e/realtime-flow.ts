import {
  AuthzCreateGroupDmDocument,
  AuthzKickMemberDocument,
  AuthzLeaveGroupDmDocument,
  AuthzSendFriendRequestDocument,
  AuthzAcceptFriendRequestDocument,
  ChannelEventsDocument,
  CreateChannelDocument,
  CreateGuildDocument,
  GuildEventsDocument,
  MemberPresenceDocument,
  MakeChannelPrivateDocument,
  SendMessageDocument,
  TypingInDocument,
  UpdateProfileDocument,
  UpdatePresenceDocument,
  type UpdatePresenceMutation,
  ViewerFeedDocument,
  gqlOk,
  joinGuild,
  wsConnect,
  type LiveSubscription,
  type TestUser,
  type WsConnection,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { expect } from 'vitest';

export type FeedEvent = {
  cursor?: string | null;
  type: string;
  channelId?: string | null;
  data: Record<string, unknown>;
};
export type Feed = LiveSubscription<Record<string, FeedEvent>>;

/** Feeds return the JSON scalar `data`; the tests read it as a record. */
export const feedOf = <T, V>(ws: WsConnection, document: TypedDocumentNode<T, V>, variables: V): Feed =>
  ws.subscribe(document, variables) as unknown as Feed;

export const events = (feed: Feed, field = 'viewerFeed') => feed.payloads.map((p) => p[field]!);

/** Waits until the feed holds an event matching `match`, and returns it. */
export async function waitForEvent(
  feed: Feed,
  match: (e: FeedEvent) => boolean,
  field = 'viewerFeed',
  timeoutMs = 10_000,
): Promise<FeedEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = events(feed, field).find(match);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(
        `no matching ${field} event; got ${JSON.stringify(events(feed, field).map((e) => e.type))}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

const send = (url: string, user: TestUser, channelId: string, content: string) =>
  gqlOk(url, SendMessageDocument, { channelId, content }, user.jwt);

export const isMessage = (content: string) => (e: FeedEvent) =>
  e.type === 'MessageCreated' && e.data.content === content;

/**
 * The real-time feeds through routers (`urls.a` for one side, `urls.b` for the other when there are two):
 * the viewer feed, channel and guild feeds, typing, presence across devices, access changes ending feeds,
 * and resuming from a cursor.
 */
export async function realtimeFlow(
  urls: { a: string; b: string },
  users: { alice: TestUser; bob: TestUser; carol: TestUser; dave: TestUser },
): Promise<void> {
  const { alice, bob, carol, dave } = users;
  const { a, b } = urls;
  const sockets: WsConnection[] = [];
  const connect = (url: string, user: TestUser, params?: Record<string, unknown>) => {
    const ws = wsConnect(url, user.jwt, params);
    sockets.push(ws);
    return ws;
  };
  try {
    const { createGuild } = await gqlOk(a, CreateGuildDocument, { name: 'Realtime guild' }, alice.jwt);
    const guildId = createGuild.id;
    const { createChannel: general } = await gqlOk(
      a,
      CreateChannelDocument,
      { guildId, name: 'lobby' },
      alice.jwt,
    );
    const { createChannel: secret } = await gqlOk(
      a,
      CreateChannelDocument,
      { guildId, name: 'secret' },
      alice.jwt,
    );
    for (const member of [bob, carol]) await joinGuild(a, alice.jwt, guildId, member.jwt);

    // --- the viewer feed: a message with its cursor and content, typing without one ---
    const bobWs = connect(b, bob);
    const bobFeed: Feed = feedOf(bobWs, ViewerFeedDocument, {});
    const bobSecret: Feed = feedOf(bobWs, ChannelEventsDocument, { channelId: secret.id });
    const carolGuild: Feed = feedOf(connect(b, carol), GuildEventsDocument, { guildId });
    // Every feed starts with Subscribed, carrying its start cursor: it is live from then on.
    const subscribed = await waitForEvent(bobFeed, (e) => e.type === 'Subscribed');
    expect(subscribed.cursor).toMatch(/^[a-z0-9]+\.[0-9a-z]+$/);
    await waitForEvent(bobSecret, (e) => e.type === 'Subscribed', 'channelEvents');
    await waitForEvent(carolGuild, (e) => e.type === 'Subscribed', 'guildEvents');
    await send(a, alice, general.id, 'hello realtime');
    const created = await waitForEvent(bobFeed, isMessage('hello realtime'));
    expect(created.cursor).toMatch(/^[a-z0-9]+\.[0-9a-z]+$/);
    expect(created.channelId).toBe(general.id);
    expect(created.data).toMatchObject({ authorId: alice.id, guildId, channelId: general.id });

    await gqlOk(a, TypingInDocument, { channelId: secret.id }, alice.jwt);
    const typing = await waitForEvent(bobSecret, (e) => e.type === 'TypingStarted', 'channelEvents');
    expect(typing.cursor).toBeNull();
    expect(typing.data).toMatchObject({ userId: alice.id, channelId: secret.id });
    await waitForEvent(bobFeed, (e) => e.type === 'TypingStarted' && e.data.channelId === secret.id);

    // --- losing VIEW_CHANNEL ends the channel feed and stops that channel in the viewer feed ---
    await gqlOk(a, MakeChannelPrivateDocument, { id: secret.id }, alice.jwt);
    const ended = await bobSecret.firstError();
    expect(ended[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCESS_LOST' });
    await send(a, alice, secret.id, 'for staff only');
    await send(a, alice, general.id, 'after the secret one');
    await waitForEvent(bobFeed, isMessage('after the secret one'));
    expect(events(bobFeed).some(isMessage('for staff only'))).toBe(false);

    // --- a kicked member's guild feed ends with the reason ---
    await gqlOk(a, AuthzKickMemberDocument, { guildId, userId: carol.id }, alice.jwt);
    const kicked = await carolGuild.firstError();
    expect(kicked[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'KICKED' });

    // --- leaving a group DM stops it ---
    const { createGroupDm } = await gqlOk(
      a,
      AuthzCreateGroupDmDocument,
      { userIds: [bob.id, carol.id] },
      alice.jwt,
    );
    const carolDm: Feed = feedOf(connect(b, carol), ChannelEventsDocument, { channelId: createGroupDm.id });
    await waitForEvent(carolDm, (e) => e.type === 'Subscribed', 'channelEvents');
    await send(a, alice, createGroupDm.id, 'group hello');
    await waitForEvent(carolDm, isMessage('group hello'), 'channelEvents');
    await waitForEvent(bobFeed, isMessage('group hello'));
    await gqlOk(a, AuthzLeaveGroupDmDocument, { channelId: createGroupDm.id }, carol.jwt);
    const left = await carolDm.firstError();
    expect(left[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'LEFT' });

    // --- presence: devices aggregate (most active wins), invisible looks offline, co-members and friends see it ---
    const handle = `dave_${Math.random().toString(36).slice(2, 10)}`;
    await gqlOk(a, UpdateProfileDocument, { input: { handle } }, dave.jwt);
    await gqlOk(a, AuthzSendFriendRequestDocument, { handle }, bob.jwt);
    await gqlOk(a, AuthzAcceptFriendRequestDocument, { userId: bob.id }, dave.jwt);
    const aliceFeed: Feed = feedOf(connect(a, alice), ViewerFeedDocument, {});
    const presenceOf = (feed: Feed, userId: string) =>
      events(feed).filter((e) => e.type === 'PresenceUpdated' && e.data.userId === userId);
    await waitForEvent(aliceFeed, (e) => e.type === 'Subscribed');
    const bobPhone = connect(a, bob, { presence: { status: 'IDLE' } });
    // bob already has an online device (bobWs): still online to alice and to his friend dave.
    const daveWs = connect(b, dave);
    const daveFeed: Feed = feedOf(daveWs, ViewerFeedDocument, {});
    await waitForEvent(daveFeed, (e) => e.type === 'PresenceUpdated' && e.data.userId === bob.id);
    expect(presenceOf(daveFeed, bob.id).at(-1)?.data.status).toBe('online');
    const invisible = await bobWs.client
      .iterate<UpdatePresenceMutation>({
        query: print(UpdatePresenceDocument),
        variables: { status: 'INVISIBLE', customStatus: 'busy' },
      })
      .next();
    // His own view: the most active of his devices.
    expect((invisible.value as { data?: UpdatePresenceMutation } | undefined)?.data).toEqual({
      updatePresence: { status: 'IDLE', customStatus: 'busy' },
    });
    // bobWs is invisible, the phone idle: the most active (idle) wins, with the custom status.
    await waitForEvent(
      aliceFeed,
      (e) => e.type === 'PresenceUpdated' && e.data.userId === bob.id && e.data.status === 'idle',
    );
    // A member-list slice starts with its members' current presence; dave (online, not a member) is left out.
    const slice = feedOf(connect(a, alice), MemberPresenceDocument, { guildId, userIds: [bob.id, dave.id] });
    const snapshot = await waitForEvent(slice, (e) => e.type === 'PresenceUpdated', 'memberPresence');
    expect(snapshot.data).toMatchObject({ userId: bob.id, status: 'idle', customStatus: 'busy' });
    await new Promise((r) => setTimeout(r, 200));
    expect(
      events(slice, 'memberPresence')
        .filter((e) => e.type !== 'Subscribed')
        .map((e) => e.data.userId),
    ).toEqual([bob.id]);
    await bobPhone.dispose();
    await waitForEvent(
      aliceFeed,
      (e) => e.type === 'PresenceUpdated' && e.data.userId === bob.id && e.data.status === 'offline',
    );
    expect(presenceOf(aliceFeed, bob.id).at(-1)?.data.customStatus).toBeNull();

    // Dave, already connected, joins the guild: his next change reaches its members too.
    await joinGuild(a, alice.jwt, guildId, dave.jwt);
    await new Promise((r) => setTimeout(r, 500));
    await daveWs.client
      .iterate({ query: print(UpdatePresenceDocument), variables: { status: 'DND', customStatus: null } })
      .next();
    await waitForEvent(
      aliceFeed,
      (e) => e.type === 'PresenceUpdated' && e.data.userId === dave.id && e.data.status === 'dnd',
    );

    // --- resume: what happened while away arrives first, in order, once ---
    const last = events(bobFeed)
      .filter((e) => e.cursor)
      .at(-1)!.cursor!;
    await bobWs.dispose();
    const missed = Array.from({ length: 20 }, (_, i) => `missed ${i}`);
    for (const content of missed) await send(a, alice, general.id, content);
    const again = feedOf(connect(a, bob), ViewerFeedDocument, { after: last });
    await waitForEvent(again, isMessage('missed 19'));
    await send(a, alice, general.id, 'live again');
    await waitForEvent(again, isMessage('live again'));
    const contents = events(again)
      .filter((e) => e.type === 'MessageCreated')
      .map((e) => e.data.content);
    expect(contents).toEqual([...missed, 'live again']);
    const cursors = events(again)
      .map((e) => e.cursor)
      .filter(Boolean);
    expect(new Set(cursors).size).toBe(cursors.length);

    // Bad input gets typed refusals, and the socket stays usable.
    const probe = connect(a, bob);
    const refusal = async (document: TypedDocumentNode<unknown, never>, variables: Record<string, unknown>) =>
      (await (probe.subscribe(document, variables as never) as unknown as Feed).firstError())[0]?.extensions
        ?.code;
    expect(await refusal(ViewerFeedDocument as never, { after: 'not a cursor' })).toBe('VALIDATION');
    expect(await refusal(ChannelEventsDocument as never, { channelId: '999999999999999' })).toBe('NOT_FOUND');
    expect(
      await refusal(MemberPresenceDocument as never, {
        guildId,
        userIds: Array.from({ length: 101 }, (_, i) => String(1000 + i)),
      }),
    ).toBe('VALIDATION');
    expect(await refusal(GuildEventsDocument as never, { guildId: '999999999999999' })).toBe('FORBIDDEN');
    const tooLong = await probe.client
      .iterate({
        query: print(UpdatePresenceDocument),
        variables: { status: 'ONLINE', customStatus: 'x'.repeat(256) },
      })
      .next();
    expect(
      (tooLong.value as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code,
    ).toBe('VALIDATION');
    await waitForEvent(feedOf(probe, ViewerFeedDocument, {}), () => true, 'viewerFeed', 1).catch(
      () => undefined,
    );
    expect(probe.closes).toEqual([]);

    // A cursor from another log is refused with RESYNC_REQUIRED.
    const stale = feedOf(connect(a, bob), ViewerFeedDocument, { after: 'zzzz.1' });
    expect((await stale.firstError())[0]?.extensions?.code).toBe('RESYNC_REQUIRED');
  } finally {
    await Promise.all(sockets.map((s) => s.dispose().catch(() => undefined)));
  }
}
