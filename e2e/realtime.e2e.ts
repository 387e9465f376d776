import { createGoChatClient } from '@gochat/client';
import {
  ChannelEventsDocument,
  CreateGuildDocument,
  RefreshJwtDocument,
  SendMessageDocument,
  joinGuild,
  SignOutDocument,
  ViewerFeedDocument,
  createVerifiedUser,
  freePort,
  gqlOk,
  logMailbox,
  startGochat,
  wsConnect,
  type GochatProcess,
  type TestUser,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { RawFeedSocket } from './raw-feed-socket.ts';
import { realtimeFlow } from './realtime-flow.ts';
import {
  forgedCursorsReplayOnlyHistory,
  messageCreatedEndsWithAccess,
  oneUserCannotStallTheRouter,
  payloadsFollowViewerPermissions,
  presenceIsCoalesced,
  resetsLeaveNoGhosts,
  strangersCannotEvictResume,
  subscribeThenLoadHistory,
} from './realtime-hardening.ts';
import {
  RELAXED_LIMITS,
  SECRETS,
  SHORT_REPLAY,
  UNLIMITED_SENDS,
  UNLIMITED_WRITES,
  tempConfig,
} from './support.ts';

/** Real time in embedded mode: one process, the in-memory bus log and presence store. */
describe('real time, embedded', () => {
  let gochat: GochatProcess;
  let users: TestUser[];

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES, SHORT_REPLAY);
    gochat = await startGochat({
      env: {
        DATA_DIR: dir,
        PORT: String(await freePort()),
        GOCHAT_CONFIG: file,
        MAX_CONNECTIONS_PER_USER: '8',
        ...SECRETS,
      },
    });
    const mailbox = logMailbox(gochat);
    users = await Promise.all(
      ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi'].map((displayName) =>
        createVerifiedUser(gochat.url, mailbox, { displayName }),
      ),
    );
  });

  afterAll(async () => {
    expect(await gochat.stop('SIGTERM')).toBe(0);
  });

  it('runs the feeds: messages, typing, access changes, presence across devices, resume', async () => {
    const [alice, bob, carol, dave] = users as [TestUser, TestUser, TestUser, TestUser];
    await realtimeFlow({ a: gochat.url, b: gochat.url }, { alice, bob, carol, dave });
  });

  it('ends messageCreated with the typed reason on every way of losing access', async () => {
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    await messageCreatedEndsWithAccess({ a: gochat.url, b: gochat.url }, { alice, bob, carol });
  });

  it('replays from a forged cursor no more than history shows', async () => {
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    await forgedCursorsReplayOnlyHistory(gochat.url, { alice, bob, carol });
  });

  it('cuts payloads per viewer: invite codes, removal reasons, hidden channels', async () => {
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    await payloadsFollowViewerPermissions(gochat.url, { alice, bob, carol });
  });

  it('starts every feed with its cursor, so history up to it and the feed after it lose nothing', async () => {
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    await subscribeThenLoadHistory(gochat.url, { alice, bob, carol });
  });

  it('keeps a resume window no stranger can evict: retention per subject, presence outside the log', async () => {
    const [, , , , erin, frank] = users;
    await strangersCannotEvictResume({ a: gochat.url, b: gochat.url }, erin!, frank!);
  });

  it('coalesces a burst of presence changes into a few events', async () => {
    const [, , carol, dave] = users;
    await presenceIsCoalesced(gochat.url, dave!, carol!);
  });

  it('leaves no device or connection count behind after 60 connections reset right after connection_init', async () => {
    const [alice, , , , , , grace] = users;
    await resetsLeaveNoGhosts(gochat.url, grace!, alice!, 8);
  });

  it('keeps one user from stalling the router: operation and selection caps, others unaffected', async () => {
    const [, , , , erin, frank] = users;
    await oneUserCannotStallTheRouter(
      gochat.url,
      { attacker: frank!, victim: erin! },
      { perConnection: 100, selections: 4 },
    );
  });

  it('holds the per-user limit in a burst of simultaneous connects: 8 stay, the rest get 4429', async () => {
    // A user no other test connects as: a socket another test just closed may still count until the
    // router has processed its close.
    const heidi = users[7]!;
    const burst = Array.from({ length: 12 }, () => wsConnect(gochat.url, heidi.jwt));
    // Each one is either refused, or live (its feed starts).
    const feeds = burst.map((ws) => ws.subscribe(ViewerFeedDocument, {}));
    const settled = () => burst.every((ws, i) => ws.closes.length > 0 || feeds[i]!.payloads.length > 0);
    for (const deadline = Date.now() + 30_000; !settled(); await new Promise((r) => setTimeout(r, 20)))
      if (Date.now() > deadline) throw new Error('the burst never settled');
    const closed = burst.filter((s) => s.closes.length > 0);
    expect(closed.map((s) => s.closes[0]!.code)).toEqual([4429, 4429, 4429, 4429]);
    await Promise.all(burst.map((s) => s.dispose()));
  });

  it('leaves no presence device behind for a socket that dies right after connecting', async () => {
    const grace = users[6]!;
    for (let i = 0; i < 10; i++) {
      const raw = new RawFeedSocket(gochat.url, grace.jwt);
      await raw.connected();
      raw.terminate(); // before the router has registered the device
    }
    await new Promise((r) => setTimeout(r, 1_500));
    // Ghost devices would count against the limit of 8.
    const sockets = Array.from({ length: 8 }, () => wsConnect(gochat.url, grace.jwt));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sockets.flatMap((s) => s.closes.map((c) => c.code))).toEqual([]);
    await Promise.all(sockets.map((s) => s.dispose()));
  });

  it('closes a connection over the per-user limit with 4429, every socket of a signed-out session with 4410, and refuses its JWT new ones', async () => {
    const erin = users[4]!;
    const sockets = Array.from({ length: 8 }, () => wsConnect(gochat.url, erin.jwt));
    const feeds = sockets.map((s) => s.subscribe(ViewerFeedDocument, {}));
    // Live once their feeds start (devices still registering count against the limit too).
    for (const feed of feeds) await feed.waitForPayloads(1);
    const ninth = wsConnect(gochat.url, erin.jwt);
    expect((await ninth.waitForClose()).code).toBe(4429);

    await gqlOk(gochat.url, SignOutDocument, {}, erin.jwt);
    const closes = await Promise.all(sockets.map((s) => s.waitForClose()));
    expect(closes.map((c) => c.code)).toEqual(Array.from({ length: 8 }, () => 4410));
    // The signed-out session's JWT is still unexpired, but opens no new connection (item 12).
    const late = wsConnect(gochat.url, erin.jwt);
    expect((await late.waitForClose()).code).toBe(4410);
    await Promise.all([...sockets, ninth, late].map((s) => s.dispose()));
  });
});

/** Short-lived JWTs: a socket ends when its token expires, and the client package reconnects and resumes. */
describe('real time, token expiry', () => {
  let gochat: GochatProcess;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, JWT_TTL: '3s', ...SECRETS },
    });
    const mailbox = logMailbox(gochat);
    [alice, bob] = (await Promise.all(
      ['Alice', 'Bob'].map((displayName) => createVerifiedUser(gochat.url, mailbox, { displayName })),
    )) as [TestUser, TestUser];
  });

  afterAll(async () => {
    expect(await gochat.stop('SIGTERM')).toBe(0);
  });

  it('closes a socket with 4401 when its token expires; the client gets a fresh one and misses nothing', async () => {
    const fresh = async (user: TestUser) =>
      (await gqlOk(gochat.url, RefreshJwtDocument, { sessionToken: user.sessionToken })).refreshJwt.jwt;
    const plain = wsConnect(gochat.url, await fresh(bob));
    plain.subscribe(ViewerFeedDocument, {});
    const opened = Date.now();
    expect((await plain.waitForClose(10_000)).code).toBe(4401);
    expect(Date.now() - opened).toBeLessThan(4_500);

    const { createGuild } = await gqlOk(
      gochat.url,
      CreateGuildDocument,
      { name: 'Expiry guild' },
      await fresh(alice),
    );
    const channelId = createGuild.systemChannel!.id;
    await joinGuild(gochat.url, await fresh(alice), createGuild.id, await fresh(bob));
    const closes: number[] = [];
    const received: string[] = [];
    const client = createGoChatClient({
      url: `${gochat.url.replace(/^http/, 'ws')}/graphql`,
      token: () => fresh(bob),
      webSocketImpl: WebSocket,
      retryBaseMs: 50,
      retryMaxMs: 200,
      onClosed: ({ code }) => closes.push(code),
    });
    client.subscribe(
      ChannelEventsDocument,
      { channelId },
      {
        next: (data) => {
          const event = data.channelEvents as { type: string; data: { content?: string } };
          if (event.type === 'MessageCreated') received.push(String(event.data.content));
        },
      },
    );
    await new Promise((r) => setTimeout(r, 500));
    // Eight seconds of sends: the subscriber's token expires at least twice meanwhile.
    const sent: string[] = [];
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      const content = `tick ${sent.length}`;
      await gqlOk(gochat.url, SendMessageDocument, { channelId, content }, await fresh(alice));
      sent.push(content);
      await new Promise((r) => setTimeout(r, 50));
    }
    const deadline = Date.now() + 10_000;
    while (received.length < sent.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await client.dispose();
    expect(closes.filter((c) => c === 4401).length).toBeGreaterThanOrEqual(2);
    expect(received).toEqual(sent);
  }, 60_000);
});
