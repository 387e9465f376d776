import {
  AuthzCreateChannelDocument,
  ChannelEventsDocument,
  GuildEventsDocument,
  MemberPresenceDocument,
  SendMessageDocument,
  ViewerFeedDocument,
  wsConnect,
  type LiveSubscription,
} from '@gochat/testkit';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

import { members, participants, privateChannel, row, signedIn, type Expectation, type Rows } from './rows.ts';
import {
  CALLERS,
  closeOutcome,
  disconnect,
  ok,
  refusalOf,
  unique,
  type Caller,
  type Outcome,
  type World,
} from './world.ts';

type FeedPayload = Record<string, { type: string; data: Record<string, unknown> }>;

/**
 * Opens a real-time feed as the caller, then has `trigger` cause an event: OK when the caller receives
 * it, NOT_DELIVERED when the feed was allowed but filtered it out, else the refusal's code. With no
 * trigger, OK means the feed was accepted.
 */
async function feedOutcome<V>(
  w: World,
  c: Caller,
  document: TypedDocumentNode<unknown, V>,
  variables: V,
  trigger?: (w: World) => Promise<(event: { type: string; data: Record<string, unknown> }) => boolean>,
): Promise<Outcome> {
  const ws = wsConnect(w.url, w.jwt(c));
  try {
    const live = ws.subscribe(document, variables) as unknown as LiveSubscription<FeedPayload>;
    const refused = await refusalOf(w, ws, live);
    if (refused) return refused;
    if (!trigger) return 'OK';
    const matches = await trigger(w);
    const deadline = Date.now() + 1_500;
    while (Date.now() < deadline) {
      if (live.payloads.some((p) => Object.values(p).some((e) => matches(e)))) return 'OK';
      await new Promise((r) => setTimeout(r, 20));
    }
    return 'NOT_DELIVERED';
  } finally {
    await disconnect(w, ws);
  }
}

/** The owner posts in a channel of the main guild; matches the MessageCreated of that post. */
const ownerPosts = (channel: 'generalId' | 'privateId' | 'dmId') => async (w: World) => {
  const sent = await ok(w, 'owner', SendMessageDocument, {
    channelId: w.main[channel],
    content: 'feed check',
  });
  return (e: { type: string; data: Record<string, unknown> }) =>
    e.type === 'MessageCreated' && e.data.messageId === sent.sendMessage.id;
};

/** Opens a feed and reports whether the owner's post in `channel` reached it. */
const feed = <V>(
  expect: Expectation,
  document: TypedDocumentNode<unknown, V>,
  variables: (w: World) => V,
  channel?: 'generalId' | 'privateId' | 'dmId',
) =>
  row({
    expect,
    sequential: true,
    run: (w, c) => feedOutcome(w, c, document, variables(w), channel ? ownerPosts(channel) : undefined),
  });

/** Sets the caller's presence over their own connection (anonymous cannot connect). */
async function updatePresenceOutcome(w: World, c: Caller): Promise<Outcome> {
  const ws = wsConnect(w.url, w.jwt(c));
  try {
    const result = await ws.client
      .iterate({ query: 'mutation { updatePresence(status: DND) { status } }' })
      .next();
    const closed = closeOutcome(ws);
    if (closed) return closed;
    const value = result.value as
      | { data?: { updatePresence?: { status: string } }; errors?: { extensions?: { code?: string } }[] }
      | undefined;
    if (value?.errors?.length) return String(value.errors[0]?.extensions?.code);
    return value?.data?.updatePresence?.status === 'DND' ? 'OK' : 'WRONG_PAYLOAD';
  } catch (error) {
    const closed = closeOutcome(ws);
    if (closed) return closed;
    throw error;
  } finally {
    await ws.dispose();
  }
}

/** Members who receive what is posted in a channel, and those whose feed filters it out. */
const delivered = (allowed: Expectation): Expectation =>
  Object.fromEntries(
    CALLERS.map((c) => [
      c,
      allowed[c] === 'OK' ? 'OK' : c === 'anonymous' ? 'UNAUTHENTICATED' : 'NOT_DELIVERED',
    ]),
  ) as Expectation;

/** The router's own real-time API (subgraphs/realtime/schema.graphql): feeds and presence. */
export const realtimeRows: Rows = {
  'Subscription.channelEvents': feed(
    members,
    ChannelEventsDocument,
    (w) => ({ channelId: w.main.generalId }),
    'generalId',
  ),
  'Subscription.channelEvents — private channel': feed(
    privateChannel,
    ChannelEventsDocument,
    (w) => ({ channelId: w.main.privateId }),
    'privateId',
  ),
  'Subscription.channelEvents — DM': feed(
    participants,
    ChannelEventsDocument,
    (w) => ({ channelId: w.main.dmId }),
    'dmId',
  ),
  'Subscription.guildEvents': row({
    expect: members,
    sequential: true,
    run: (w, c) =>
      feedOutcome(w, c, GuildEventsDocument, { guildId: w.main.id }, async () => {
        const { createChannel } = await ok(w, 'owner', AuthzCreateChannelDocument, {
          guildId: w.main.id,
          input: { name: `feed-${unique()}` },
        });
        return (e) => e.type === 'ChannelCreated' && e.data.channelId === createChannel.id;
      }),
  }),
  'Subscription.memberPresence': feed(members, MemberPresenceDocument, (w) => ({
    guildId: w.main.id,
    userIds: [w.people.owner.id],
  })),
  // Anyone signed in may open their viewer feed; what it carries depends on what they may see.
  'Subscription.viewerFeed — a general post': feed(
    delivered(members),
    ViewerFeedDocument,
    () => ({}),
    'generalId',
  ),
  'Subscription.viewerFeed — a private-channel post': feed(
    delivered(privateChannel),
    ViewerFeedDocument,
    () => ({}),
    'privateId',
  ),
  'Subscription.viewerFeed — a DM': feed(delivered(participants), ViewerFeedDocument, () => ({}), 'dmId'),
  'Mutation.updatePresence': row({ expect: signedIn, sequential: true, run: updatePresenceOutcome }),
};
