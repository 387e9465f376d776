import { isDeepStrictEqual } from 'node:util';

import { createIdentitySigner, IDENTITY_HEADER } from '@gochat/identity';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  ChannelMessagesDocument,
  CreateGuildDocument,
  MeDocument,
  MessageCreatedDocument,
  SendMessageDocument,
  createTestDatabase,
  createVerifiedUser,
  dropTestDatabase,
  freePort,
  gql,
  gqlOk,
  AuthzAcceptFriendRequestDocument,
  AuthzBlockUserDocument,
  AuthzCreateEmojiDocument,
  AuthzOpenDirectMessageDocument,
  AuthzSendFriendRequestDocument,
  UpdateProfileDocument,
  joinGuild,
  metricValue,
  realServer,
  smtpMailbox,
  startSmtpSink,
  uniqueName,
  waitForMetric,
  wsConnect,
  type GochatProcess,
  type SmtpSink,
  type TestUser,
} from '@gochat/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { guildWalkthrough } from './guild-walkthrough.ts';
import { messagingFlow } from './messaging-flow.ts';
import { realtimeFlow } from './realtime-flow.ts';
import {
  forgedCursorsReplayOnlyHistory,
  messageCreatedEndsWithAccess,
  payloadsFollowViewerPermissions,
  presenceIsCoalesced,
  resetsLeaveNoGhosts,
  strangersCannotEvictResume,
  subscribeThenLoadHistory,
} from './realtime-hardening.ts';
import { startRoleProcesses } from './role-processes.ts';
import {
  RELAXED_LIMITS,
  SECRETS,
  SHORT_REPLAY,
  UNLIMITED_SENDS,
  UNLIMITED_WRITES,
  tempConfig,
} from './support.ts';

const pgUrl = await realServer('postgres');
const natsUrl = await realServer('nats');
const redisUrl = await realServer('redis');

/**
 * Microservice mode on real servers: PostgreSQL, NATS JetStream, Redis and SMTP, with each subgraph
 * and two routers as separate processes. A subscriber on router B must receive what router A sent.
 */
describe.runIf(pgUrl && natsUrl && redisUrl)(
  'real servers, one process per role, two routers on one NATS',
  () => {
    let databaseUrl: string;
    let smtp: SmtpSink;
    const prefix = uniqueName('e2e')
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_');
    const stream = prefix.toUpperCase();
    const processes: GochatProcess[] = [];
    let accounts: GochatProcess;
    let guilds: GochatProcess;
    let messages: GochatProcess;
    let routerA: GochatProcess;
    let routerB: GochatProcess;
    let alice: TestUser;
    let bob: TestUser;
    let eve: TestUser;
    let channelId: string;

    beforeAll(async () => {
      databaseUrl = await createTestDatabase(pgUrl!);
      smtp = await startSmtpSink();
      const { file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES, SHORT_REPLAY);
      const [portA, portB] = [await freePort(), await freePort()];
      const publicUrl = `http://127.0.0.1:${portA}`;
      const shared = {
        ...SECRETS,
        GOCHAT_CONFIG: file,
        DATABASE_URL: databaseUrl,
        NATS_URL: natsUrl!,
        NATS_PREFIX: prefix,
        NATS_STREAM: stream,
        REDIS_URL: redisUrl!,
        REDIS_PREFIX: `${prefix}:`,
        PUBLIC_URL: publicUrl,
        MAIL_PROVIDER: 'smtp',
        SMTP_URL: smtp.url,
      };
      const started = await startRoleProcesses(shared, [portA, portB], processes);
      ({ accounts, guilds, messages } = started);
      [routerA, routerB] = started.routers as [GochatProcess, GochatProcess];

      const mailbox = smtpMailbox(smtp);
      [alice, bob, eve] = await Promise.all([
        createVerifiedUser(routerA.url, mailbox, { displayName: 'Alice' }),
        createVerifiedUser(routerB.url, mailbox, { displayName: 'Bob' }),
        createVerifiedUser(routerA.url, mailbox, { displayName: 'Eve' }),
      ]);
      const { createGuild } = await gqlOk(
        routerA.url,
        CreateGuildDocument,
        { name: 'Real guild' },
        alice.jwt,
      );
      channelId = createGuild.systemChannel!.id;
      await joinGuild(routerA.url, alice.jwt, createGuild.id, bob.jwt);
    });

    afterAll(async () => {
      // Every role drains cleanly on SIGTERM: routers first, as a deployment would roll them.
      const codes: Record<string, number | string> = {};
      for (const proc of [routerA, routerB, accounts, guilds, messages].filter(Boolean))
        codes[`${proc.role}@${proc.url}`] = await proc.stop('SIGTERM');
      await smtp?.close();
      if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
      const nc = await connect({ servers: natsUrl! });
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc.close();
      const redis = new Redis(redisUrl!);
      const leftovers = await redis.keys(`${prefix}:*`);
      if (leftovers.length) await redis.del(...leftovers);
      await redis.quit();
      expect(
        Object.values(codes).every((c) => c === 0),
        JSON.stringify(codes),
      ).toBe(true);
    });

    it('runs the README walk-through on PostgreSQL and NATS: roles, a hidden channel, an invite, a ban', async () => {
      const mailbox = smtpMailbox(smtp);
      const [carol, spammer] = await Promise.all([
        createVerifiedUser(routerB.url, mailbox, { displayName: 'Carol' }),
        createVerifiedUser(routerA.url, mailbox, { displayName: 'Spammer' }),
      ]);
      await guildWalkthrough(routerA.url, { alice, bob, carol, spammer });
    });

    it('runs a conversation across both routers, each event landing in JetStream exactly once', async () => {
      const carol = await createVerifiedUser(routerB.url, smtpMailbox(smtp), { displayName: 'Carol' });
      const flow = await messagingFlow({ url: routerA.url, watchUrl: routerB.url }, { alice, bob, carol });

      const channel = `${prefix}.channel.${flow.guildId}.${flow.channelId}.messages`;
      const expected: Array<[type: string, subject: string, data: Record<string, unknown>]> = [
        // Sent twice with one nonce: one event.
        ['MessageCreated', channel, { messageId: flow.firstId, authorId: bob.id, content: 'hello all' }],
        [
          'MessageCreated',
          `${prefix}.channel.${flow.guildId}.${flow.threadId}.messages`,
          { messageId: flow.threadMessageId, channelId: flow.threadId, parentChannelId: flow.channelId },
        ],
        [
          'ReactionAdded',
          channel,
          { messageId: flow.mentionId, userId: bob.id, emoji: { unicode: '👍', emojiId: null } },
        ],
        [
          'ReactionAdded',
          channel,
          { messageId: flow.mentionId, userId: carol.id, emoji: { unicode: null, emojiId: flow.emojiId } },
        ],
        ['ChannelPinsUpdated', channel, { messageId: flow.mentionId, actorId: alice.id, pinned: true }],
        ['ChannelPinsUpdated', channel, { messageId: flow.mentionId, actorId: alice.id, pinned: false }],
        [
          'ThreadCreated',
          channel, // thread events go to the parent channel's subject
          {
            threadId: flow.threadId,
            parentChannelId: flow.channelId,
            ownerId: bob.id,
            starterMessageId: flow.firstId,
          },
        ],
        [
          'ReadStateUpdated',
          `${prefix}.user.${bob.id}`,
          { userId: bob.id, channelId: flow.channelId, lastReadMessageId: flow.mentionId, mentionCount: 0 },
        ],
      ];
      const matching = (events: StoredEvent[], [type, subject, data]: (typeof expected)[number]) =>
        events.filter((e) => e.type === type && e.subject === subject && isSubset(data, e.data));
      // The relay publishes after commit, so wait until each has landed; then none may be there twice.
      let events: StoredEvent[] = [];
      for (let attempt = 0; attempt < 50; attempt++) {
        events = await storedEvents(stream);
        if (expected.every((e) => matching(events, e).length > 0)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const sameType = (type: string) => JSON.stringify(events.filter((e) => e.type === type));
      for (const e of expected)
        expect(matching(events, e).length, `${e[0]} ${JSON.stringify(e[2])} among ${sameType(e[0])}`).toBe(1);
      // Each was published with its event id as Nats-Msg-Id, which is how JetStream drops a republish.
      for (const e of expected) expect(matching(events, e)[0]!.msgId).toBe(matching(events, e)[0]!.id);
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    });

    it('runs the real-time feeds across both routers: typing, access changes, presence, resume', async () => {
      const mailbox = smtpMailbox(smtp);
      const [carol, dave] = await Promise.all([
        createVerifiedUser(routerB.url, mailbox, { displayName: 'Carol' }),
        createVerifiedUser(routerA.url, mailbox, { displayName: 'Dave' }),
      ]);
      await realtimeFlow({ a: routerA.url, b: routerB.url }, { alice, bob, carol, dave });
    });

    it('hardens the feeds across both routers: access loss, forged cursors, per-viewer payloads, retention, presence, resets', async () => {
      const mailbox = smtpMailbox(smtp);
      const [carol, dave, erin] = await Promise.all([
        createVerifiedUser(routerB.url, mailbox, { displayName: 'Carol' }),
        createVerifiedUser(routerA.url, mailbox, { displayName: 'Dave' }),
        createVerifiedUser(routerB.url, mailbox, { displayName: 'Erin' }),
      ]);
      // Fresh users: the real-time flow above left alice and bob in other guilds' feeds.
      const users = { alice: dave, bob: erin, carol };
      await messageCreatedEndsWithAccess({ a: routerA.url, b: routerB.url }, users);
      await forgedCursorsReplayOnlyHistory(routerB.url, users);
      await payloadsFollowViewerPermissions(routerA.url, users);
      await subscribeThenLoadHistory(routerB.url, users);
      await strangersCannotEvictResume({ a: routerA.url, b: routerB.url }, carol, dave);
      await presenceIsCoalesced(routerB.url, erin, carol);
      await resetsLeaveNoGhosts(routerA.url, erin, dave, 20);
    });

    it('reports every role ready against its real dependencies', async () => {
      const readiness = async (proc: GochatProcess) =>
        (await (await fetch(`${proc.url}/ready`)).json()) as object;
      expect(await readiness(accounts)).toEqual({
        ready: true,
        checks: { database: 'ok', bus: 'ok', cache: 'ok' },
      });
      // The guilds role writes join messages and ban purges through the message store too, and
      // builds guild avatars' public URLs with the blob store.
      expect(await readiness(guilds)).toEqual({
        ready: true,
        checks: { database: 'ok', bus: 'ok', 'message store': 'ok', 'blob store': 'ok' },
      });
      // Both sign attachment URLs with the blob store; the router serves its public assets.
      expect(await readiness(messages)).toEqual({
        ready: true,
        checks: { database: 'ok', bus: 'ok', cache: 'ok', 'message store': 'ok', 'blob store': 'ok' },
      });
      expect(await readiness(routerA)).toEqual({
        ready: true,
        checks: { bus: 'ok', cache: 'ok', presence: 'ok', 'blob store': 'ok' },
      });
    });

    it('sent the verification mail over SMTP, with a link to the public URL', () => {
      const mail = smtp.received.find((m) => m.to === alice.email);
      expect(mail?.subject).toBe('Verify your GoChat e-mail');
      expect(mail?.text).toContain(`${routerA.url}/api/auth/verify-email?token=`);
    });

    it('keeps auth rate-limit counters in Redis, shared by every accounts process', async () => {
      const redis = new Redis(redisUrl!);
      try {
        const keys = await redis.keys(`${prefix}:auth:*`);
        // Three sign-ups, three verifications and three sign-ins were counted.
        expect(keys.some((k) => k.startsWith(`${prefix}:auth:sign-up:`))).toBe(true);
        expect(keys.some((k) => k.startsWith(`${prefix}:auth:sign-in:`))).toBe(true);
        expect(keys.some((k) => k.startsWith(`${prefix}:auth:verify-email:`))).toBe(true);
      } finally {
        await redis.quit();
      }
    });

    it('keeps handles unique on PostgreSQL, with CONFLICT for the second taker', async () => {
      const handle = `real_${Date.now().toString(36)}`;
      await gqlOk(routerA.url, UpdateProfileDocument, { input: { handle } }, alice.jwt);
      const taken = await gql(routerB.url, UpdateProfileDocument, { input: { handle } }, bob.jwt);
      expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'handle' });
    });

    it('accepts a JWT issued through one router at the other', async () => {
      const { me } = await gqlOk(routerB.url, MeDocument, {}, alice.jwt);
      expect(me.id).toBe(alice.id);
    });

    it('runs friends, a DM, a block and an emoji across both routers, with their events in JetStream', async () => {
      const handle = `bob_${prefix.slice(-8)}`;
      await gqlOk(routerB.url, UpdateProfileDocument, { input: { handle } }, bob.jwt);
      await gqlOk(routerA.url, AuthzSendFriendRequestDocument, { handle }, alice.jwt);
      const { acceptFriendRequest } = await gqlOk(
        routerB.url,
        AuthzAcceptFriendRequestDocument,
        { userId: alice.id },
        bob.jwt,
      );
      expect(acceptFriendRequest.status).toBe('FRIEND');
      const { openDirectMessage: dm } = await gqlOk(
        routerA.url,
        AuthzOpenDirectMessageDocument,
        { userId: bob.id },
        alice.jwt,
      );
      await gqlOk(routerB.url, SendMessageDocument, { channelId: dm.id, content: 'hi in private' }, bob.jwt);
      const read = await gqlOk(routerA.url, ChannelMessagesDocument, { channelId: dm.id }, alice.jwt);
      expect(read.messages.map((m) => m.content)).toEqual(['hi in private']);
      const outsider = await gql(routerB.url, ChannelMessagesDocument, { channelId: dm.id }, eve.jwt);
      expect(outsider.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      await gqlOk(routerB.url, AuthzBlockUserDocument, { userId: eve.id }, bob.jwt);
      const blocked = await gql(routerA.url, AuthzOpenDirectMessageDocument, { userId: bob.id }, eve.jwt);
      expect(blocked.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const { createGuild } = await gqlOk(
        routerA.url,
        CreateGuildDocument,
        { name: 'Emoji guild' },
        alice.jwt,
      );
      const { createEmoji } = await gqlOk(
        routerB.url,
        AuthzCreateEmojiDocument,
        { guildId: createGuild.id, input: { name: 'party_parrot', assetRef: 'asset:parrot' } },
        alice.jwt,
      );

      // Every change above was published after commit to the JetStream stream, on its fan-out subject.
      const nc = await connect({ servers: natsUrl! });
      try {
        const jsm = await jetstreamManager(nc);
        const wanted = (type: string, subject: string) => `${type} ${prefix}.${subject}`;
        const expected = [
          wanted('FriendRequestCreated', `user.${bob.id}`),
          wanted('FriendAdded', `user.${alice.id}`),
          wanted('DirectChannelCreated', `user.${bob.id}`),
          wanted('MessageCreated', `channel.dm.${dm.id}.messages`),
          wanted('UserBlocked', `user.${bob.id}`),
          wanted('GuildCreated', `guild.${createGuild.id}`),
          wanted('EmojiCreated', `guild.${createGuild.id}`),
        ];
        let seen: string[] = [];
        for (let attempt = 0; attempt < 50 && !expected.every((e) => seen.includes(e)); attempt++) {
          const { state } = await jsm.streams.info(stream);
          seen = [];
          for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
            const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
            const event = stored?.json<{ type: string }>();
            if (event && stored) seen.push(`${event.type} ${stored.subject}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(seen).toEqual(expect.arrayContaining(expected));
        expect(createEmoji.id).toMatch(/^\d+$/);
      } finally {
        await nc.close();
      }
    });

    it('delivers to a subscriber on router B a message sent through router A', async () => {
      const ws = wsConnect(routerB.url, bob.jwt);
      const live = ws.subscribe(MessageCreatedDocument, { channelId });
      await waitForMetric(routerB.url, 'gochat_router_active_subscriptions', (v) => v >= 1);

      const { sendMessage } = await gqlOk(
        routerA.url,
        SendMessageDocument,
        { channelId, content: 'across routers' },
        alice.jwt,
      );
      const [payload] = await live.waitForPayloads(1);
      expect(payload!.messageCreated).toMatchObject({
        id: sendMessage.id,
        content: 'across routers',
        author: { id: alice.id, displayName: 'Alice' },
      });
      expect(
        await metricValue(routerB.url, 'gochat_router_subscription_hydrations_total'),
      ).toBeGreaterThanOrEqual(1);
      await ws.dispose();
    });

    it('refuses a non-member on either router, querying and subscribing', async () => {
      const query = await gql(routerB.url, ChannelMessagesDocument, { channelId }, eve.jwt);
      expect(query.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const ws = wsConnect(routerA.url, eve.jwt);
      const [error] = await ws.subscribe(MessageCreatedDocument, { channelId }).firstError();
      expect(error?.extensions?.code).toBe('FORBIDDEN');
      await ws.dispose();
    });

    it('refuses requests sent straight to a subgraph without the router identity, or with a forged one', async () => {
      const body = JSON.stringify({ query: `{ messages(channelId: "${channelId}") { id content } }` });
      const post = (headers: Record<string, string>) =>
        fetch(`${messages.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });

      const missing = await post({});
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });

      const forgedToken = await createIdentitySigner('not-the-internal-secret-but-long-enough!').sign({
        kind: 'user',
        userId: alice.id,
      });
      const forged = await post({ [IDENTITY_HEADER]: forgedToken });
      expect(forged.status).toBe(401);
      expect(JSON.stringify(await forged.json())).not.toContain('content');

      // A client's own better-auth JWT is not a router identity either.
      expect((await post({ [IDENTITY_HEADER]: alice.jwt })).status).toBe(401);
      expect((await post({ authorization: `Bearer ${alice.jwt}` })).status).toBe(401);

      // better-auth's endpoints on the accounts role are refused too when not reached through a router.
      const direct = await fetch(`${accounts.url}/api/auth/jwks`);
      expect(direct.status).toBe(401);

      // The same request through the router, for the member, works: the refusal is about the path taken.
      const viaRouter = await gql(routerA.url, ChannelMessagesDocument, { channelId }, alice.jwt);
      expect(viaRouter.data?.messages.length).toBeGreaterThan(0);
    });
  },
);

interface StoredEvent {
  id: string;
  type: string;
  subject: string;
  data: Record<string, unknown>;
  msgId: string | undefined;
}

/** Every event in the stream, with the subject and Nats-Msg-Id it was stored under. */
async function storedEvents(stream: string): Promise<StoredEvent[]> {
  const nc = await connect({ servers: natsUrl! });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(stream);
    const events: StoredEvent[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!stored) continue;
      const event = stored.json<{ id: string; type: string; data: Record<string, unknown> }>();
      events.push({ ...event, subject: stored.subject, msgId: stored.header?.get('Nats-Msg-Id') });
    }
    return events;
  } finally {
    await nc.close();
  }
}

/** True when every key of `expected` has a deeply equal value in `actual`. */
function isSubset(expected: Record<string, unknown>, actual: Record<string, unknown>): boolean {
  return Object.entries(expected).every(([key, value]) => isDeepStrictEqual(actual[key], value));
}
