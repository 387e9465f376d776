import { PERMISSIONS } from '@gochat/permissions';
import {
  AuthzBanMemberDocument,
  AuthzCreateChannelDocument,
  AuthzCreateGroupDmDocument,
  AuthzCreateRoleDocument,
  AuthzAddMemberRoleDocument,
  AuthzDeleteMessageDocument,
  AuthzKickMemberDocument,
  AuthzLeaveGuildDocument,
  AuthzRemoveGroupDmRecipientDocument,
  AuthzRemoveMemberRoleDocument,
  AuthzReorderChannelsDocument,
  AuthzSetChannelOverwriteDocument,
  AuthzUnbanMemberDocument,
  AuthzUpdateRoleDocument,
  ChannelEventsDocument,
  ChannelMessagesDocument,
  CreateGuildDocument,
  GuildEventsDocument,
  MakeChannelPrivateDocument,
  MessageCreatedDocument,
  MessageCreatedFromDocument,
  SendMessageDocument,
  ViewerFeedDocument,
  gqlOk,
  joinGuild,
  wsConnect,
  type LiveSubscription,
  type TestUser,
  type WsConnection,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { expect } from 'vitest';

import { waitForEvent } from './realtime-flow.ts';

type FeedEvent = {
  cursor?: string | null;
  type: string;
  channelId?: string | null;
  data: Record<string, unknown>;
};
type Feed = LiveSubscription<Record<string, FeedEvent>>;
type Users = Record<'alice' | 'bob' | 'carol', TestUser>;

const feedOf = <T, V>(ws: WsConnection, document: TypedDocumentNode<T, V>, variables: V): Feed =>
  ws.subscribe(document, variables) as unknown as Feed;
const events = (feed: Feed, field: string) => feed.payloads.map((p) => p[field]!);
const isMessage = (content: string) => (e: FeedEvent) =>
  e.type === 'MessageCreated' && e.data.content === content;

/** Waits until `check` holds, polling; fails with `what` after the timeout. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function harness(url: string, users: Users) {
  const sockets: WsConnection[] = [];
  const connect = (user: TestUser) => {
    const ws = wsConnect(url, user.jwt);
    sockets.push(ws);
    return ws;
  };
  const send = async (user: TestUser, channelId: string, content: string) =>
    (await gqlOk(url, SendMessageDocument, { channelId, content }, user.jwt)).sendMessage.id;
  const as = <T, V>(user: TestUser, document: TypedDocumentNode<T, V>, variables: V) =>
    gqlOk(url, document, variables, user.jwt);
  const dispose = () => Promise.all(sockets.map((s) => s.dispose().catch(() => undefined)));
  return { sockets, connect, send, as, dispose, ...users };
}

/**
 * Issue 11, item 1: an open messageCreated subscription ends, with the channel feed's typed reason, on
 * every way of losing access, and delivers nothing sent after it. `url` is where bob subscribes and
 * alice acts (two routers on real servers: `urls.b` subscribes).
 */
export async function messageCreatedEndsWithAccess(urls: { a: string; b: string }, users: Users) {
  const h = harness(urls.a, users);
  const { alice, bob, carol } = h;
  try {
    const { createGuild } = await h.as(alice, CreateGuildDocument, { name: 'Access ends' });
    const guildId = createGuild.id;
    await joinGuild(urls.a, alice.jwt, guildId, bob.jwt);
    const channel = async (name: string) =>
      (await h.as(alice, AuthzCreateChannelDocument, { guildId, input: { name } })).createChannel.id;
    const witness = feedOf(h.connect(alice), ViewerFeedDocument, {});
    await waitForEvent(witness, (e) => e.type === 'Subscribed');

    const bobWs = wsConnect(urls.b, bob.jwt);
    h.sockets.push(bobWs);
    /** bob subscribes to the channel (on router b), proven live by a first message. */
    const subscribe = async (channelId: string, sender = alice) => {
      const live = bobWs.subscribe(MessageCreatedDocument, { channelId });
      const probe = `probe ${channelId}`;
      // Sent until one arrives: the subscription is live once it receives.
      for (let i = 0; !live.payloads.some((p) => p.messageCreated.content === probe); i++) {
        if (i === 50) throw new Error(`messageCreated never went live on ${channelId}`);
        if (live.errors.length) throw new Error(`refused: ${JSON.stringify(live.errors)}`);
        await h.send(sender, channelId, probe);
        await new Promise((r) => setTimeout(r, 100));
      }
      return live;
    };
    /** The access change ends the subscription with the reason; what follows never reaches bob. */
    const expectEnd = async (
      live: LiveSubscription<{ messageCreated: { content: string } }>,
      channelId: string,
      reason: string,
      sender = alice,
      witnessFeed = witness,
    ) => {
      const [error] = await live.firstError();
      expect(error?.extensions, reason).toMatchObject({ code: 'FORBIDDEN', reason });
      const after = `after ${reason} in ${channelId}`;
      await h.send(sender, channelId, after);
      await waitForEvent(witnessFeed, isMessage(after));
      expect(live.payloads.map((p) => p.messageCreated.content)).not.toContain(after);
    };
    const everyone = (permissions: bigint) =>
      h.as(alice, AuthzUpdateRoleDocument, { id: guildId, input: { permissions: permissions.toString() } });

    // The channel becomes private.
    const privateOne = await channel('goes-private');
    let live = await subscribe(privateOne);
    await h.as(alice, MakeChannelPrivateDocument, { id: privateOne });
    await expectEnd(live, privateOne, 'ACCESS_LOST');

    // A member overwrite denies VIEW_CHANNEL.
    const denied = await channel('denied');
    live = await subscribe(denied);
    await h.as(alice, AuthzSetChannelOverwriteDocument, {
      channelId: denied,
      input: {
        targetType: 'MEMBER',
        targetId: bob.id,
        allow: '0',
        deny: PERMISSIONS.VIEW_CHANNEL.toString(),
      },
    });
    await expectEnd(live, denied, 'ACCESS_LOST');

    // @everyone loses VIEW_CHANNEL guild-wide (and gets it back for the next cases).
    const open = await channel('open');
    live = await subscribe(open);
    const defaults = PERMISSIONS.VIEW_CHANNEL | PERMISSIONS.SEND_MESSAGES | PERMISSIONS.READ_MESSAGE_HISTORY;
    await everyone(defaults & ~PERMISSIONS.VIEW_CHANNEL);
    await expectEnd(live, open, 'ACCESS_LOST');
    await everyone(defaults);

    // A role that let bob in is taken away.
    const { createRole } = await h.as(alice, AuthzCreateRoleDocument, {
      guildId,
      input: { name: 'insiders', permissions: '0' },
    });
    const insiders = await channel('insiders');
    await h.as(alice, MakeChannelPrivateDocument, { id: insiders });
    await h.as(alice, AuthzSetChannelOverwriteDocument, {
      channelId: insiders,
      input: {
        targetType: 'ROLE',
        targetId: createRole.id,
        allow: PERMISSIONS.VIEW_CHANNEL.toString(),
        deny: '0',
      },
    });
    await h.as(alice, AuthzAddMemberRoleDocument, { guildId, userId: bob.id, roleId: createRole.id });
    live = await subscribe(insiders);
    await h.as(alice, AuthzRemoveMemberRoleDocument, { guildId, userId: bob.id, roleId: createRole.id });
    await expectEnd(live, insiders, 'ACCESS_LOST');

    // Kicked, then back; left, then back; banned.
    const lobby = await channel('lobby');
    live = await subscribe(lobby);
    await h.as(alice, AuthzKickMemberDocument, { guildId, userId: bob.id });
    await expectEnd(live, lobby, 'KICKED');
    await joinGuild(urls.a, alice.jwt, guildId, bob.jwt);
    live = await subscribe(lobby);
    await h.as(bob, AuthzLeaveGuildDocument, { id: guildId });
    await expectEnd(live, lobby, 'LEFT');
    await joinGuild(urls.a, alice.jwt, guildId, bob.jwt);
    live = await subscribe(lobby);
    await h.as(alice, AuthzBanMemberDocument, { guildId, userId: bob.id });
    await expectEnd(live, lobby, 'BANNED');
    await h.as(alice, AuthzUnbanMemberDocument, { guildId, userId: bob.id });

    // Removed from a group DM.
    const { createGroupDm } = await h.as(alice, AuthzCreateGroupDmDocument, { userIds: [bob.id, carol.id] });
    const carolFeed = feedOf(h.connect(carol), ViewerFeedDocument, {});
    await waitForEvent(carolFeed, (e) => e.type === 'Subscribed');
    live = await subscribe(createGroupDm.id);
    await h.as(alice, AuthzRemoveGroupDmRecipientDocument, { channelId: createGroupDm.id, userId: bob.id });
    await expectEnd(live, createGroupDm.id, 'LEFT', alice, carolFeed);
  } finally {
    await h.dispose();
  }
}

/**
 * Issue 11, item 2: a forged resume cursor (`<epoch>.0`) replays no more than history shows: no
 * content of messages deleted since, nothing of a channel whose history the viewer may not read.
 */
export async function forgedCursorsReplayOnlyHistory(url: string, users: Users) {
  const h = harness(url, users);
  const { alice, bob } = h;
  try {
    const { createGuild } = await h.as(alice, CreateGuildDocument, { name: 'Forged cursors' });
    const guildId = createGuild.id;
    const channel = async (name: string) =>
      (await h.as(alice, AuthzCreateChannelDocument, { guildId, input: { name } })).createChannel.id;
    const general = await channel('history');
    const noHistory = await channel('no-history');
    await h.as(alice, AuthzSetChannelOverwriteDocument, {
      channelId: noHistory,
      input: {
        targetType: 'ROLE',
        targetId: guildId,
        allow: '0',
        deny: PERMISSIONS.READ_MESSAGE_HISTORY.toString(),
      },
    });
    const tag = Math.random().toString(36).slice(2, 8);
    await h.send(alice, general, `kept ${tag}`);
    const doomed = await h.send(alice, general, `deleted ${tag}`);
    await h.as(alice, AuthzDeleteMessageDocument, { channelId: general, messageId: doomed });
    await h.send(alice, noHistory, `unreadable ${tag}`);
    // bob joins after all of it; history shows him `kept` only.
    await joinGuild(url, alice.jwt, guildId, bob.jwt);
    const history = await h.as(bob, ChannelMessagesDocument, { channelId: general, limit: 50 });
    expect(history.messages.map((m) => m.content)).toEqual([`kept ${tag}`]);

    // Any cursor names the log's epoch: the forged one points before everything.
    const bobWs = h.connect(bob);
    const probe = feedOf(bobWs, ViewerFeedDocument, {});
    const start = await waitForEvent(probe, (e) => e.type === 'Subscribed');
    const forged = `${start.cursor!.split('.')[0]}.0`;

    const viewer = feedOf(bobWs, ViewerFeedDocument, { after: forged });
    const channelFeed = feedOf(bobWs, ChannelEventsDocument, { channelId: general, after: forged });
    const hidden = feedOf(bobWs, ChannelEventsDocument, { channelId: noHistory, after: forged });
    const hydrated = bobWs.subscribe(MessageCreatedFromDocument, { channelId: general, after: forged });
    // What history shows is replayed...
    await waitForEvent(viewer, isMessage(`kept ${tag}`));
    await waitForEvent(channelFeed, isMessage(`kept ${tag}`), 'channelEvents');
    await until(
      () => hydrated.payloads.some((p) => p.messageCreated.content === `kept ${tag}`),
      'the replayed message on messageCreated',
    );
    // ...then live events arrive, in the no-history channel too (bob can see it).
    await waitForEvent(hidden, (e) => e.type === 'Subscribed', 'channelEvents');
    await h.send(alice, general, `live ${tag}`);
    await h.send(alice, noHistory, `live there ${tag}`);
    await waitForEvent(viewer, isMessage(`live there ${tag}`));
    await waitForEvent(hidden, isMessage(`live there ${tag}`), 'channelEvents');
    await waitForEvent(channelFeed, isMessage(`live ${tag}`), 'channelEvents');
    await until(
      () => hydrated.payloads.some((p) => p.messageCreated.content === `live ${tag}`),
      'the live message on messageCreated',
    );

    const contents = [
      ...events(viewer, 'viewerFeed'),
      ...events(channelFeed, 'channelEvents'),
      ...events(hidden, 'channelEvents'),
    ].map((e) => e.data.content);
    expect(contents).not.toContain(`deleted ${tag}`);
    expect(contents).not.toContain(`unreadable ${tag}`);
    expect(hydrated.payloads.map((p) => p.messageCreated.content)).not.toContain(`deleted ${tag}`);
    // Nothing of the no-history channel's past, of any kind.
    const pastThere = events(hidden, 'channelEvents').filter(
      (e) => e.type !== 'Subscribed' && e.data.content !== `live there ${tag}`,
    );
    expect(pastThere).toEqual([]);
  } finally {
    await h.dispose();
  }
}

/**
 * Issue 11, items 8 and 11: payloads are cut per viewer by the permissions of the query that would
 * show them: invite codes for MANAGE_GUILD holders, removal reasons and moderators for VIEW_AUDIT_LOG
 * holders, a reordering's channel list to the channels the viewer can see.
 */
export async function payloadsFollowViewerPermissions(url: string, users: Users) {
  const h = harness(url, users);
  const { alice, bob, carol } = h;
  try {
    const { createGuild } = await h.as(alice, CreateGuildDocument, { name: 'Per-viewer payloads' });
    const guildId = createGuild.id;
    await joinGuild(url, alice.jwt, guildId, bob.jwt);
    const secret = (await h.as(alice, AuthzCreateChannelDocument, { guildId, input: { name: 'staff' } }))
      .createChannel.id;
    await h.as(alice, MakeChannelPrivateDocument, { id: secret });
    const owner = feedOf(h.connect(alice), GuildEventsDocument, { guildId });
    const member = feedOf(h.connect(bob), GuildEventsDocument, { guildId });
    for (const feed of [owner, member])
      await waitForEvent(feed, (e) => e.type === 'Subscribed', 'guildEvents');

    await joinGuild(url, alice.jwt, guildId, carol.jwt);
    const joined = (e: FeedEvent) => e.type === 'GuildMemberAdded' && e.data.userId === carol.id;
    expect((await waitForEvent(owner, joined, 'guildEvents')).data.inviteCode).toMatch(/\S/);
    expect((await waitForEvent(member, joined, 'guildEvents')).data).not.toHaveProperty('inviteCode');

    await h.as(alice, AuthzKickMemberDocument, { guildId, userId: carol.id });
    const removed = (e: FeedEvent) => e.type === 'GuildMemberRemoved' && e.data.userId === carol.id;
    expect((await waitForEvent(owner, removed, 'guildEvents')).data).toMatchObject({
      reason: 'kick',
      actorId: alice.id,
    });
    const seenByMember = (await waitForEvent(member, removed, 'guildEvents')).data;
    expect(seenByMember).not.toHaveProperty('reason');
    expect(seenByMember).not.toHaveProperty('actorId');

    const { reorderChannels } = await h.as(alice, AuthzReorderChannelsDocument, {
      guildId,
      positions: [{ id: secret, position: 0 }],
    });
    expect(reorderChannels.length).toBeGreaterThan(0);
    const reordered = (e: FeedEvent) => e.type === 'ChannelsReordered';
    expect((await waitForEvent(owner, reordered, 'guildEvents')).data.channelIds).toContain(secret);
    const memberView = (await waitForEvent(member, reordered, 'guildEvents')).data.channelIds as string[];
    expect(memberView).not.toContain(secret);
  } finally {
    await h.dispose();
  }
}

/**
 * Issue 11, item 20: every feed starts with Subscribed and its cursor, so a client can subscribe, then
 * load history up to that point, and lose nothing: what was sent before is in history, what comes
 * after arrives on the feed, nothing twice.
 */
export async function subscribeThenLoadHistory(url: string, users: Users) {
  const h = harness(url, users);
  const { alice } = h;
  try {
    const { createGuild } = await h.as(alice, CreateGuildDocument, { name: 'Subscribe first' });
    const channelId = (
      await h.as(alice, AuthzCreateChannelDocument, { guildId: createGuild.id, input: { name: 'c' } })
    ).createChannel.id;
    await h.send(alice, channelId, 'before');
    const feed = feedOf(h.connect(alice), ChannelEventsDocument, { channelId });
    const subscribed = await waitForEvent(feed, (e) => e.type === 'Subscribed', 'channelEvents');
    expect(events(feed, 'channelEvents')[0]).toBe(subscribed);
    expect(subscribed.cursor).toMatch(/^[a-z0-9]+\.[0-9a-z]+$/);
    await h.send(alice, channelId, 'after');
    const history = await h.as(alice, ChannelMessagesDocument, { channelId, limit: 10 });
    await waitForEvent(feed, isMessage('after'), 'channelEvents');
    expect(history.messages.map((m) => m.content)).toContain('before');
    const onFeed = events(feed, 'channelEvents')
      .filter((e) => e.type === 'MessageCreated')
      .map((e) => e.data.content);
    expect(onFeed).toEqual(['after']);
  } finally {
    await h.dispose();
  }
}
