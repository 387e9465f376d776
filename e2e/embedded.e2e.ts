import {
  ChannelMessagesDocument,
  CreateChannelDocument,
  CreateGuildDocument,
  MeDocument,
  MessageCreatedDocument,
  SendMessageDocument,
  createVerifiedUser,
  freePort,
  gql,
  gqlOk,
  joinGuild,
  logMailbox,
  metricValue,
  startGochat,
  waitForMetric,
  wsConnect,
  type GochatProcess,
  type TestUser,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { guildWalkthrough } from './guild-walkthrough.ts';
import { messagingFlow } from './messaging-flow.ts';
import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

/**
 * Embedded mode: one `gochat start` process on PGlite, the in-process bus and the in-memory cache,
 * driven over real HTTP and WebSocket like a client would.
 */
describe('embedded monolith, end to end', () => {
  let gochat: GochatProcess;
  let alice: TestUser;
  let bob: TestUser;
  let mallory: TestUser;
  let channelId: string;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS);
    const port = String(await freePort());
    // One test opens 25 sockets for one user, above the default per-user limit of 20.
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: port, GOCHAT_CONFIG: file, MAX_CONNECTIONS_PER_USER: '100', ...SECRETS },
    });
    const mailbox = logMailbox(gochat);
    [alice, bob, mallory] = await Promise.all([
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Alice' }),
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Bob' }),
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Mallory' }),
    ]);
    const { createGuild } = await gqlOk(
      gochat.url,
      CreateGuildDocument,
      { name: 'Embedded guild' },
      alice.jwt,
    );
    const { createChannel } = await gqlOk(
      gochat.url,
      CreateChannelDocument,
      { guildId: createGuild.id, name: 'chat' },
      alice.jwt,
    );
    channelId = createChannel.id;
    await joinGuild(gochat.url, alice.jwt, createGuild.id, bob.jwt);
  });

  afterAll(async () => {
    // The drain on SIGTERM must be clean: exit code 0.
    expect(await gochat.stop('SIGTERM')).toBe(0);
  });

  it('runs the README walk-through: roles, a hidden channel, an invite, a ban', async () => {
    const mailbox = logMailbox(gochat);
    const [carol, spammer] = await Promise.all([
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Carol' }),
      createVerifiedUser(gochat.url, mailbox, { displayName: 'Spammer' }),
    ]);
    await guildWalkthrough(gochat.url, { alice, bob, carol, spammer });
  });

  it('runs a conversation: nonce retry, reply, edit, mentions and unreads, reactions, pins, a thread, seen by', async () => {
    const carol = await createVerifiedUser(gochat.url, logMailbox(gochat), { displayName: 'Carol' });
    await messagingFlow({ url: gochat.url }, { alice, bob, carol });
  });

  it('serves health and readiness with every embedded dependency answering', async () => {
    expect((await fetch(`${gochat.url}/health`)).status).toBe(200);
    const ready = (await (await fetch(`${gochat.url}/ready`)).json()) as { ready: boolean; checks: object };
    expect(ready).toEqual({
      ready: true,
      checks: {
        database: 'ok',
        bus: 'ok',
        cache: 'ok',
        presence: 'ok',
        'message store': 'ok',
        'blob store': 'ok',
        'search index': 'ok',
        'voice node directory': 'ok',
        // The workers' durable consumers are bound (workers/harness).
        'worker event-counter': 'ok',
        'worker embedder': 'ok',
        'worker indexer': 'ok',
        'worker media-janitor': 'ok',
      },
      // How far behind each worker is: numbers, not part of readiness.
      details: {
        'worker event-counter': { lagEvents: expect.any(Number), lagSeconds: expect.any(Number) },
        'worker embedder': { lagEvents: expect.any(Number), lagSeconds: expect.any(Number) },
        'worker indexer': { lagEvents: expect.any(Number), lagSeconds: expect.any(Number) },
        'worker media-janitor': { lagEvents: expect.any(Number), lagSeconds: expect.any(Number) },
      },
    });
  });

  it('identifies the signed-in user with their private fields, and refuses anonymous callers', async () => {
    const { me } = await gqlOk(gochat.url, MeDocument, {}, alice.jwt);
    expect(me).toMatchObject({ id: alice.id, displayName: 'Alice', email: alice.email, emailVerified: true });
    const anonymous = await gql(gochat.url, MeDocument, {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('delivers a message to a subscribed member, with the author hydrated from accounts', async () => {
    const ws = wsConnect(gochat.url, bob.jwt);
    const live = ws.subscribe(MessageCreatedDocument, { channelId });
    await waitForMetric(gochat.url, 'gochat_router_active_subscriptions', (v) => v >= 1);

    const { sendMessage } = await gqlOk(
      gochat.url,
      SendMessageDocument,
      { channelId, content: 'hi Bob' },
      alice.jwt,
    );
    const [payload] = await live.waitForPayloads(1);
    expect(payload!.messageCreated).toMatchObject({
      id: sendMessage.id,
      content: 'hi Bob',
      author: { id: alice.id, displayName: 'Alice' },
      channel: { id: channelId, name: 'chat' },
    });
    await ws.dispose();
  });

  it('reads a channel newest first, and paginates with before', async () => {
    for (const content of ['one', 'two', 'three'])
      await gqlOk(gochat.url, SendMessageDocument, { channelId, content }, bob.jwt);
    const { messages } = await gqlOk(gochat.url, ChannelMessagesDocument, { channelId, limit: 2 }, alice.jwt);
    expect(messages.map((m) => m.content)).toEqual(['three', 'two']);
    const older = await gqlOk(
      gochat.url,
      ChannelMessagesDocument,
      { channelId, limit: 2, before: messages[1]!.id },
      alice.jwt,
    );
    expect(older.messages.map((m) => m.content)).toEqual(['one', 'hi Bob']);
    expect(older.messages[0]!.author.displayName).toBe(bob.displayName);
  });

  it('refuses a non-member with FORBIDDEN, both when querying and when subscribing', async () => {
    const query = await gql(gochat.url, ChannelMessagesDocument, { channelId }, mallory.jwt);
    expect(query.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(query.data).toBeNull();

    const send = await gql(gochat.url, SendMessageDocument, { channelId, content: 'let me in' }, mallory.jwt);
    expect(send.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const ws = wsConnect(gochat.url, mallory.jwt);
    const live = ws.subscribe(MessageCreatedDocument, { channelId });
    const [error] = await live.firstError();
    expect(error).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await ws.dispose();
  });

  it('costs one hydration per event however many subscribers share a selection', async () => {
    const subscribers = 25;
    const events = 4;
    const connections = Array.from({ length: subscribers }, () => wsConnect(gochat.url, bob.jwt));
    const before = await metricValue(gochat.url, 'gochat_router_active_subscriptions');
    const lives = connections.map((ws) => ws.subscribe(MessageCreatedDocument, { channelId }));
    await waitForMetric(gochat.url, 'gochat_router_active_subscriptions', (v) => v >= before + subscribers);
    // Every subscriber of the channel shares one bus subscription in this process, and one on its
    // guild's subject (access changes end subscriptions); bob's 25 connections share one more, on his
    // user subject (session revocation).
    expect(await metricValue(gochat.url, 'gochat_router_bus_subscriptions')).toBe(3);

    const hydrationsBefore = await metricValue(gochat.url, 'gochat_router_subscription_hydrations_total');
    const deliveriesBefore = await metricValue(gochat.url, 'gochat_router_subscription_deliveries_total');
    for (let i = 0; i < events; i++)
      await gqlOk(gochat.url, SendMessageDocument, { channelId, content: `fan-out ${i}` }, alice.jwt);
    for (const live of lives) {
      const payloads = await live.waitForPayloads(events);
      expect(payloads.map((p) => p.messageCreated.content)).toEqual(
        Array.from({ length: events }, (_, i) => `fan-out ${i}`),
      );
    }
    expect(
      (await metricValue(gochat.url, 'gochat_router_subscription_hydrations_total')) - hydrationsBefore,
    ).toBe(events);
    expect(
      (await metricValue(gochat.url, 'gochat_router_subscription_deliveries_total')) - deliveriesBefore,
    ).toBe(events * subscribers);
    await Promise.all(connections.map((ws) => ws.dispose()));
    // The last subscriber leaving releases the bus subscription.
    await waitForMetric(gochat.url, 'gochat_router_bus_subscriptions', (v) => v === 0);
  });
});
