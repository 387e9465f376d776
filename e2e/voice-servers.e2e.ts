import { silentLogger } from '@gochat/log';
import type { NodeRegistration } from '@gochat/sfu-directory';
import { openEtcd, registerSfuNode } from '@gochat/sfu-directory/etcd';
import { spawnNodeProcess, type NodeProcess } from '@gochat/sfu-directory/testing';
import {
  AuthzSetChannelOverwriteDocument,
  CreateGuildDocument,
  GuildEventsDocument,
  JoinVoiceDocument,
  ModerateVoiceDocument,
  MyVoiceStateDocument,
  UpdateVoiceStateDocument,
  ViewerFeedDocument,
  VoiceCreateChannelDocument,
  VoiceRegionsDocument,
  VoiceStatesDocument,
  createTestDatabase,
  createVerifiedUser,
  dropTestDatabase,
  freePort,
  gql,
  gqlOk,
  joinGuild,
  logMailbox,
  realServer,
  uniqueName,
  wsConnect,
  type GochatProcess,
  type TestUser,
  type WsConnection,
} from '@gochat/testkit';
import { createVoiceTokenVerifier, deriveVoiceKeyPair } from '@gochat/voice-token';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { events, feedOf, waitForEvent, type Feed, type FeedEvent } from './realtime-flow.ts';
import { startRoleProcesses } from './role-processes.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_WRITES, realServersNamespace, tempConfig } from './support.ts';

const pgUrl = await realServer('postgres');
const natsUrl = await realServer('nats');
const redisUrl = await realServer('redis');
const etcdUrl = await realServer('etcd');

/** Rooms whose channel and guild name no region go here: the doomed node's region. */
const DEFAULT_REGION = 'eu';
/** The node process killed with SIGKILL: alone in the default region, so the rooms land on it. */
const DOOMED = { id: 'doomed', region: DEFAULT_REGION, ttlSeconds: 2 };
/** The node registered by this test process, in another region: where rooms go once DOOMED is gone. */
const SURVIVOR = { id: 'survivor', region: 'us', url: 'wss://survivor.example', version: 'test' };
/** The node process's lease is 2 s; etcd may keep an expired lease up to about one more TTL. */
const NODE_LOST_WITHIN_MS = 15_000;

const CONNECT = 1n << 20n;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

// No SFU ever confirms a join here (no mediasoup), so unconfirmed joins are kept for the whole suite
// instead of being dropped after 30 s (the default), which would add `dropped` events mid-test.
const VOICE = `
voice:
  connectGraceSeconds: 600
`;

interface VoiceEventData {
  guildId: string | null;
  userId: string;
  channelId: string | null;
  previousChannelId: string | null;
  reason: string;
  actorId: string | null;
  state: { serverMute: boolean; serverDeaf: boolean; selfMute: boolean; connected: boolean } | null;
}

const voiceEvents = (feed: Feed, field: string, reason?: string) =>
  events(feed, field)
    .filter((e) => e.type === 'VoiceStateUpdated')
    .map((e) => e.data as unknown as VoiceEventData)
    .filter((d) => reason === undefined || d.reason === reason);

const isVoice =
  (reason: string, userId: string, match: (d: VoiceEventData) => boolean = () => true) =>
  (e: FeedEvent) => {
    if (e.type !== 'VoiceStateUpdated') return false;
    const d = e.data as unknown as VoiceEventData;
    return d.reason === reason && d.userId === userId && match(d);
  };

/**
 * Voice in microservice mode on real servers: PostgreSQL, NATS JetStream, Redis and etcd, each role
 * its own process, everything through the router (HTTP and its graphql-ws feeds). No SFU can run here
 * (mediasoup's worker is missing), so SFU nodes are their etcd registrations alone, exactly what a node
 * writes: one in a process of its own that is killed with SIGKILL, one registered by this process.
 */
describe.runIf(pgUrl && natsUrl && redisUrl && etcdUrl)(
  'voice on real servers: placement on etcd, a dead node’s calls, moderation orders on the bus',
  () => {
    let databaseUrl: string;
    const namespace = realServersNamespace('voice', { nats: natsUrl!, redis: redisUrl! });
    const etcdPrefix = `/${uniqueName('voice_e2e')}`;
    let etcd: ReturnType<typeof openEtcd>;
    const processes: GochatProcess[] = [];
    const sockets: WsConnection[] = [];
    let nats: NatsConnection | undefined;
    let doomed: NodeProcess | undefined;
    let survivor: NodeRegistration | undefined;
    let url: string;
    let issuer: string;
    let owner: TestUser;
    let alice: TestUser; // member A: joins, is muted
    let bob: TestUser; // member B: watches
    let carol: TestUser; // a member denied CONNECT in one channel
    let dave: TestUser; // not a member
    let crowd: TestUser[]; // ten members who join at once
    let guildId: string;
    let lounge: string;
    let hall: string;
    let locked: string;
    let bobGuild: Feed;
    let bobViewer: Feed;
    let aliceViewer: Feed;

    const join = (user: TestUser, channelId: string) =>
      gqlOk(url, JoinVoiceDocument, { channelId }, user.jwt).then((r) => r.joinVoice);
    const voiceStates = async (user: TestUser) =>
      (await gqlOk(url, VoiceStatesDocument, { guildId }, user.jwt)).voiceStates;
    const voiceChannel = async (name: string) =>
      (await gqlOk(url, VoiceCreateChannelDocument, { guildId, input: { name, kind: 'VOICE' } }, owner.jwt))
        .createChannel.id;
    const errorCode = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
      result.errors?.[0]?.extensions?.code;

    beforeAll(async () => {
      etcd = openEtcd({ hosts: [etcdUrl!] });
      databaseUrl = await createTestDatabase(pgUrl!);
      // The nodes first: the voice process reads them at start, then follows the watch.
      doomed = await spawnNodeProcess({ etcdUrl: etcdUrl!, prefix: etcdPrefix, ...DOOMED });
      survivor = await registerSfuNode({
        etcd,
        prefix: etcdPrefix,
        node: SURVIVOR,
        ttlSeconds: 10,
        log: silentLogger,
      });

      const { file } = tempConfig(RELAXED_LIMITS, UNLIMITED_WRITES, VOICE);
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      const shared = {
        ...SECRETS,
        ...namespace.env,
        GOCHAT_CONFIG: file,
        DATABASE_URL: databaseUrl,
        PUBLIC_URL: issuer,
        ETCD_HOSTS: etcdUrl!,
        ETCD_PREFIX: etcdPrefix,
        VOICE_DEFAULT_REGION: DEFAULT_REGION,
      };
      const { accounts, routers } = await startRoleProcesses(shared, [port], processes);
      url = routers[0]!.url;

      const mailbox = logMailbox(accounts);
      const users = await Promise.all(
        Array.from({ length: 15 }, (_, i) => createVerifiedUser(url, mailbox, { displayName: `Voice ${i}` })),
      );
      [owner, alice, bob, carol, dave] = users as [TestUser, TestUser, TestUser, TestUser, TestUser];
      crowd = users.slice(5);
      const { createGuild } = await gqlOk(url, CreateGuildDocument, { name: 'Voice guild' }, owner.jwt);
      guildId = createGuild.id;
      await Promise.all(
        [alice, bob, carol, ...crowd].map((member) => joinGuild(url, owner.jwt, guildId, member.jwt)),
      );
      [lounge, hall, locked] = (await Promise.all(['lounge', 'hall', 'locked'].map(voiceChannel))) as [
        string,
        string,
        string,
      ];
      await gqlOk(
        url,
        AuthzSetChannelOverwriteDocument,
        {
          channelId: locked,
          input: { targetType: 'MEMBER', targetId: carol.id, allow: '0', deny: String(CONNECT) },
        },
        owner.jwt,
      );

      // B watches the guild through the router's WebSocket, A their own feed; both live from here on.
      const bobWs = wsConnect(url, bob.jwt);
      const aliceWs = wsConnect(url, alice.jwt);
      sockets.push(bobWs, aliceWs);
      bobGuild = feedOf(bobWs, GuildEventsDocument, { guildId });
      bobViewer = feedOf(bobWs, ViewerFeedDocument, {});
      aliceViewer = feedOf(aliceWs, ViewerFeedDocument, {});
      await waitForEvent(bobGuild, (e) => e.type === 'Subscribed', 'guildEvents');
      await waitForEvent(bobViewer, (e) => e.type === 'Subscribed');
      await waitForEvent(aliceViewer, (e) => e.type === 'Subscribed');
    });

    afterAll(async () => {
      await Promise.all(sockets.map((ws) => ws.dispose()));
      await nats?.close();
      const codes: (number | string)[] = [];
      for (const proc of processes.toReversed()) codes.push(await proc.stop('SIGTERM'));
      if (doomed && doomed.child.exitCode === null && doomed.child.signalCode === null) doomed.kill();
      await survivor?.close();
      await etcd?.delete().prefix(etcdPrefix).exec();
      const left = await etcd?.getAll().prefix(etcdPrefix).keys();
      etcd?.close();
      if (databaseUrl) await dropTestDatabase(pgUrl!, databaseUrl);
      await namespace.remove();
      expect(left).toEqual([]);
      expect(codes.every((code) => code === 0)).toBe(true);
    });

    it('a member joins through the router: the registered node and a token for it; a co-member sees the join live and in voiceStates', async () => {
      // The voice process sees both registrations through etcd.
      await expect
        .poll(async () => (await gqlOk(url, VoiceRegionsDocument, {}, bob.jwt)).voiceRegions, {
          timeout: 10_000,
        })
        .toEqual([
          { id: DEFAULT_REGION, nodes: 1, default: true },
          { id: SURVIVOR.region, nodes: 1, default: false },
        ]);

      const connection = await join(alice, lounge);
      expect(connection).toMatchObject({
        endpoint: `wss://${DOOMED.id}.example`,
        nodeId: DOOMED.id,
        region: DEFAULT_REGION,
        state: {
          user: { id: alice.id },
          channel: { id: lounge },
          guild: { id: guildId },
          serverMute: false,
          connected: false,
        },
      });
      expect(connection.token).toMatch(COMPACT_JWS);
      const expiresIn = Date.parse(String(connection.expiresAt)) - Date.now();
      expect(expiresIn).toBeGreaterThan(0);
      expect(expiresIn).toBeLessThanOrEqual(120_000);
      // What the node would do with it: the API's public key admits A into this channel there only.
      const verifier = (nodeId: string) =>
        createVoiceTokenVerifier({
          publicJwks: [deriveVoiceKeyPair(SECRETS.INTERNAL_SECRET).publicJwk],
          issuer,
          nodeId,
        });
      const grant = await verifier(DOOMED.id).verify(connection.token, { channelId: lounge });
      expect(grant).toMatchObject({ userId: alice.id, channelId: lounge, guildId, nodeId: DOOMED.id });
      await expect(verifier(SURVIVOR.id).verify(connection.token)).rejects.toMatchObject({
        code: 'wrong-node',
      });

      const joined = await waitForEvent(bobGuild, isVoice('join', alice.id), 'guildEvents');
      expect(joined.data).toMatchObject({
        guildId,
        channelId: lounge,
        previousChannelId: null,
        // No SFU admits anyone here: the join stays unconfirmed.
        state: { serverMute: false, serverDeaf: false, selfMute: false, connected: false },
      });
      await waitForEvent(bobViewer, isVoice('join', alice.id));
      expect((await voiceStates(bob)).map((s) => [s.user.id, s.channel.id])).toEqual([[alice.id, lounge]]);
    });

    it('ten members joining an empty channel at once land on one node, bound in etcd on its lease', async () => {
      const connections = await Promise.all(crowd.map((member) => join(member, hall)));
      expect(new Set(connections.map((c) => c.nodeId))).toEqual(new Set([DOOMED.id]));
      expect(new Set(connections.map((c) => c.token)).size).toBe(10);
      const binding = (await etcd.getAll().prefix(`${etcdPrefix}/rooms/${hall}`).exec()).kvs;
      expect(binding.map((kv) => [kv.value.toString(), kv.lease])).toEqual([[DOOMED.id, doomed!.leaseId]]);
      await expect
        .poll(() => voiceEvents(bobGuild, 'guildEvents', 'join').filter((d) => d.channelId === hall).length)
        .toBe(10);
      expect((await voiceStates(bob)).filter((s) => s.channel.id === hall)).toHaveLength(10);
    });

    it('a node killed with SIGKILL ends its calls within the lease TTL, each announced; the next join goes to the survivor', async () => {
      const inCalls = (await voiceStates(bob)).map((s) => s.user.id).sort();
      expect(inCalls).toEqual([alice.id, ...crowd.map((c) => c.id)].sort());
      const killedAt = Date.now();
      doomed!.kill();
      await expect
        .poll(
          () =>
            voiceEvents(bobGuild, 'guildEvents', 'nodeLost')
              .map((d) => d.userId)
              .sort(),
          { timeout: NODE_LOST_WITHIN_MS, interval: 50 },
        )
        .toEqual(inCalls);
      const elapsed = Date.now() - killedAt;
      console.info(`voice: ${inCalls.length} calls ended ${elapsed} ms after the node was killed`);
      for (const lost of voiceEvents(bobGuild, 'guildEvents', 'nodeLost'))
        expect(lost).toMatchObject({
          guildId,
          channelId: null,
          previousChannelId: lost.userId === alice.id ? lounge : hall,
          actorId: null,
          state: null,
        });
      await waitForEvent(bobViewer, isVoice('nodeLost', alice.id));
      expect(await voiceStates(bob)).toEqual([]);
      expect((await gqlOk(url, MyVoiceStateDocument, {}, alice.jwt)).myVoiceState).toBeNull();
      // The region stays (it is the default) with no node in it; the rooms' bindings went with the lease.
      expect((await gqlOk(url, VoiceRegionsDocument, {}, bob.jwt)).voiceRegions).toEqual([
        { id: DEFAULT_REGION, nodes: 0, default: true },
        { id: SURVIVOR.region, nodes: 1, default: false },
      ]);
      expect(await etcd.getAll().prefix(`${etcdPrefix}/rooms/`).keys()).toEqual([]);

      const again = await join(alice, lounge);
      expect(again).toMatchObject({ nodeId: SURVIVOR.id, endpoint: SURVIVOR.url, region: SURVIVOR.region });
      // Her second join of the lounge (the first was before the node died).
      await expect
        .poll(
          () =>
            voiceEvents(bobGuild, 'guildEvents', 'join').filter(
              (d) => d.userId === alice.id && d.channelId === lounge,
            ).length,
        )
        .toBe(2);
      expect((await voiceStates(bob)).map((s) => s.user.id)).toEqual([alice.id]);
    });

    it('a server mute reaches the feeds as VoiceStateUpdated and the node as a VoiceNodeCommand in JetStream, never a feed', async () => {
      // A is in a call (again, after the node loss above: the same channel, a new token).
      const { nodeId } = await join(alice, lounge);
      expect(nodeId).toBe(SURVIVOR.id);
      const { NATS_PREFIX: prefix, NATS_STREAM: stream } = namespace.env;
      nats = await connect({ servers: natsUrl! });
      // Where the SFU node listens for its orders (sfu/node-link.ts: bus.subscribe(voice.node.<id>)).
      const orders: Record<string, unknown>[] = [];
      const live = nats.subscribe(`${prefix}_live.voice.node.${nodeId}`, {
        callback: (err, msg) => {
          if (!err) orders.push(msg.json());
        },
      });
      await nats.flush();

      const { moderateVoice } = await gqlOk(
        url,
        ModerateVoiceDocument,
        { guildId, userId: alice.id, serverMute: true, reason: 'too loud' },
        owner.jwt,
      );
      expect(moderateVoice).toMatchObject({ user: { id: alice.id }, serverMute: true, serverDeaf: false });

      const muted = await waitForEvent(bobGuild, isVoice('moderate', alice.id), 'guildEvents');
      expect(muted.data).toMatchObject({
        guildId,
        channelId: lounge,
        state: { serverMute: true, serverDeaf: false },
      });
      // Who muted them is an audit-log fact: cut for B, who lacks VIEW_AUDIT_LOG (decision 0023).
      expect(muted.data).not.toHaveProperty('actorId');
      await waitForEvent(
        aliceViewer,
        isVoice('moderate', alice.id, (d) => d.state?.serverMute === true),
      );
      expect((await voiceStates(bob)).find((s) => s.user.id === alice.id)?.serverMute).toBe(true);

      const command = {
        type: 'VoiceNodeCommand',
        subject: `voice.node.${nodeId}`,
        data: {
          command: 'moderate',
          nodeId,
          channelId: lounge,
          userId: alice.id,
          serverMute: true,
          serverDeaf: false,
        },
      };
      // Stored in the stream on the node's subject, and delivered live where the node listens.
      const jsm = await jetstreamManager(nats);
      await expect
        .poll(async () => {
          const stored = await jsm.streams
            .getMessage(stream, { last_by_subj: `${prefix}.voice.node.${nodeId}` })
            .catch(() => null);
          if (!stored) return null;
          const event = stored.json<{ id: string }>();
          expect(stored.header.get('Nats-Msg-Id')).toBe(event.id);
          return event;
        })
        .toMatchObject(command);
      await expect.poll(() => orders).toEqual([expect.objectContaining(command)]);
      live.unsubscribe();

      // A later change of A's reaches every feed: the order, published before it, reached none.
      await gqlOk(url, UpdateVoiceStateDocument, { selfMute: true }, alice.jwt);
      const updated = isVoice('update', alice.id, (d) => d.state?.selfMute === true);
      await waitForEvent(bobGuild, updated, 'guildEvents');
      await waitForEvent(bobViewer, updated);
      await waitForEvent(aliceViewer, updated);
      for (const [feed, field] of [
        [bobGuild, 'guildEvents'],
        [bobViewer, 'viewerFeed'],
        [aliceViewer, 'viewerFeed'],
      ] as const) {
        const types = new Set(events(feed, field).map((e) => e.type));
        expect(types.has('VoiceStateUpdated')).toBe(true);
        expect(types.has('VoiceNodeCommand')).toBe(false);
        expect(types.has('VoicePeerReported')).toBe(false);
      }
    });

    it('refuses a member denied CONNECT (FORBIDDEN) and a non-member (NOT_FOUND)', async () => {
      const denied = await gql(url, JoinVoiceDocument, { channelId: locked }, carol.jwt);
      expect(errorCode(denied)).toBe('FORBIDDEN');
      expect(denied.data?.joinVoice ?? null).toBeNull();
      // The same member may join where nothing denies it: the overwrite is what refused them.
      expect((await join(carol, hall)).nodeId).toBe(SURVIVOR.id);

      const stranger = await gql(url, JoinVoiceDocument, { channelId: lounge }, dave.jwt);
      expect(errorCode(stranger)).toBe('NOT_FOUND');
      expect(errorCode(await gql(url, VoiceStatesDocument, { guildId }, dave.jwt))).toBe('NOT_FOUND');
      expect((await gqlOk(url, MyVoiceStateDocument, {}, dave.jwt)).myVoiceState).toBeNull();
      expect(
        (await voiceStates(bob)).map((s) => s.user.id).filter((id) => id === carol.id || id === dave.id),
      ).toEqual([carol.id]);
    });
  },
);
