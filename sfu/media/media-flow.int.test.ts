import { silentLogger } from '@gochat/log';
import { freePort } from '@gochat/testkit';
import type { VoiceRights } from '@gochat/voice-token';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { DTLS_PARAMETERS } from '../protocol/fixtures.ts';
import type { MediaEvents } from '../signalling/media.ts';
import { SignallingHarness } from '../signalling/testing/harness.ts';
import { loadMediasoup, type MediasoupModule } from './mediasoup-api.ts';
import { createMediasoupRooms, type MediasoupRooms } from './mediasoup-rooms.ts';
import type { ReceivedStream } from './testing/werift-transports.ts';
import { WeriftPeer } from './testing/werift-peer.ts';

// Real media through the SFU: werift peers (sfu/media/testing/werift-peer.ts) speak the signalling
// protocol to the real endpoint in front of a real mediasoup engine, send Opus RTP and count what they
// receive. The API → SFU path (joinVoice, the tokens it signs, its orders over the bus) is covered
// with the voice API; here tokens are signed directly and the orders are the endpoint's control
// surface. Gated as mediasoup.int.test.ts is: it runs where MEDIASOUP_WORKER_BIN names a worker
// binary (mediasoup installed with it set), and fails there if mediasoup itself is missing.
// eslint-disable-next-line no-process-env
const workerBin = process.env.MEDIASOUP_WORKER_BIN;
if (!workerBin) console.log('media flow suite skipped: MEDIASOUP_WORKER_BIN is not set');

/** werift gathers no loopback candidate unless asked; the SFU listens on 127.0.0.1. */
const CLIENT = { hostAddresses: ['127.0.0.1'] };
/** 50 packets a second: 25 are half a second of audio. */
const SOME = 25;
const DEADLINE_MS = 10_000;
const EMPTY = { rooms: 0, transports: 0, producers: 0, consumers: 0 };

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stream receives `by` more packets within the deadline. */
const flowing = (stream: ReceivedStream, by = SOME) => stream.waitFor(stream.packets + by, DEADLINE_MS);

/** Nothing more arrives once the packets already on their way have: the SFU stopped forwarding. */
async function stalled(stream: ReceivedStream): Promise<void> {
  await settle(250);
  const settled = stream.packets;
  await settle(750);
  expect(stream.packets).toBe(settled);
}

interface Node {
  engine: MediasoupRooms;
  harness: SignallingHarness;
  close(): Promise<void>;
}

/** The engine on loopback behind the signalling endpoint on an HTTP port, with real signed tokens. */
async function startNode(mediasoup: MediasoupModule, dtlsTimeoutMs: number): Promise<Node> {
  const late: { harness?: SignallingHarness } = {};
  const events: MediaEvents = {
    consumerClosed: (...args) => late.harness?.signalling.mediaEvents.consumerClosed(...args),
    activeSpeaker: (...args) => late.harness?.signalling.mediaEvents.activeSpeaker(...args),
  };
  const engine = await createMediasoupRooms({
    mediasoup,
    workers: 1,
    listenIp: '127.0.0.1',
    port: await freePort(),
    dtlsTimeoutMs,
    maxIncomingBitrate: 1_500_000,
    events,
    onWorkerDied: (error) => {
      throw error;
    },
    log: silentLogger,
  });
  const harness = await SignallingHarness.start({ rooms: engine });
  late.harness = harness;
  return {
    engine,
    harness,
    async close() {
      await harness.close();
      engine.close();
    },
  };
}

describe.skipIf(!workerBin)('media between werift peers through mediasoup', () => {
  let mediasoup: MediasoupModule;
  let node: Node;
  const peers: WeriftPeer[] = [];

  beforeAll(async () => {
    const loaded = await loadMediasoup();
    if (!loaded) throw new Error('MEDIASOUP_WORKER_BIN is set but mediasoup is not installed');
    mediasoup = loaded;
    node = await startNode(mediasoup, 60_000);
  });

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
    // Every test leaves the engine as it found it: rooms close with their last peer.
    await expect.poll(() => node.engine.counts(), { timeout: DEADLINE_MS }).toEqual(EMPTY);
  });

  afterAll(async () => {
    await node?.close();
  });

  /** A werift peer through authenticate and join, with a fresh token. */
  async function joined(userId: string, channelId: string, rights: Partial<VoiceRights> = {}, on = node) {
    const peer = WeriftPeer.attach(await on.harness.connect(), CLIENT);
    peers.push(peer);
    await peer.enter((await on.harness.token(userId, channelId, rights)).token);
    return peer;
  }

  it('forwards Opus from a speaker to a listener, and stops while the speaker self-mutes', async () => {
    const ann = await joined('ann', 'room-1');
    const bob = await joined('bob', 'room-1');
    const mic = await ann.produceOpus();
    const announced = await bob.signal.notification('newProducer');
    expect(announced).toMatchObject({
      producerId: mic.producerId,
      peerId: ann.peerId,
      kind: 'audio',
      source: 'mic',
    });
    const heard = await bob.consume(mic.producerId);
    await heard.waitFor(2 * SOME, DEADLINE_MS);
    expect(node.engine.counts()).toEqual({ rooms: 1, transports: 2, producers: 1, consumers: 1 });

    await ann.pauseProducer(mic.producerId);
    await bob.signal.notification('producerPaused', (data) => data.producerId === mic.producerId);
    await stalled(heard);
    await ann.resumeProducer(mic.producerId);
    await flowing(heard);
    // The generator never stopped: the SFU held the packets back, and sent on after the resume.
    expect(mic.generator.sent).toBeGreaterThan(heard.packets);

    // A listener who joins later finds the producer in the join answer, and hears it too.
    const carol = WeriftPeer.attach(await node.harness.connect(), CLIENT);
    peers.push(carol);
    const answer = await carol.enter((await node.harness.token('carol', 'room-1')).token);
    expect(answer.producers).toEqual([
      expect.objectContaining({ producerId: mic.producerId, paused: false }),
    ]);
    await flowing(await carol.consume(mic.producerId));
  });

  it('refuses a microphone to a peer without SPEAK', async () => {
    const mute = await joined('dave', 'room-2', { speak: false });
    await expect(mute.produceOpus()).rejects.toMatchObject({ name: 'SignalRequestError', code: 'FORBIDDEN' });
    expect(node.engine.counts().producers).toBe(0);
  });

  it('stops a speaker at once on a server mute, and lets them resume once it is lifted', async () => {
    const ann = await joined('ann', 'room-3');
    const bob = await joined('bob', 'room-3');
    const mic = await ann.produceOpus();
    const heard = await bob.consume(mic.producerId);
    await flowing(heard);

    expect(
      await node.harness.signalling.moderate('room-3', 'ann', { serverMute: true, serverDeaf: false }),
    ).toBe(true);
    await stalled(heard);
    expect(await ann.signal.notification('serverMute')).toEqual({ muted: true });
    await expect(ann.resumeProducer(mic.producerId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await stalled(heard);

    await node.harness.signalling.moderate('room-3', 'ann', { serverMute: false, serverDeaf: false });
    await ann.signal.notification('serverMute', (data) => data.muted === false);
    await ann.resumeProducer(mic.producerId);
    await flowing(heard);
  });

  it("disconnects a peer: kicked, its socket closed, its media released and its listeners' consumers closed", async () => {
    const ann = await joined('ann', 'room-4');
    const bob = await joined('bob', 'room-4');
    const mic = await ann.produceOpus();
    const heard = await bob.consume(mic.producerId);
    await flowing(heard);

    expect(await node.harness.signalling.disconnect('room-4', 'ann', 'disconnected')).toBe(true);
    expect(await ann.signal.notification('kicked')).toEqual({ reason: 'disconnected' });
    expect((await ann.closed).code).toBe(4000);
    await bob.signal.notification('consumerClosed');
    await bob.signal.notification('peerLeft', (data) => data.peerId === ann.peerId);
    // Bob's receive transport is all that is left.
    await expect
      .poll(() => node.engine.counts())
      .toEqual({ rooms: 1, transports: 1, producers: 0, consumers: 0 });
    await stalled(heard);
  });

  it('moves a peer: moved, then it joins the other room with a new token and is heard there', async () => {
    const ann = await joined('ann', 'room-5');
    const bob = await joined('bob', 'room-5');
    const heardInFive = await bob.consume((await ann.produceOpus()).producerId);
    await flowing(heardInFive);

    expect(await node.harness.signalling.move('room-5', 'ann', 'room-6')).toBe(true);
    expect(await ann.signal.notification('moved')).toEqual({ channelId: 'room-6' });
    expect((await ann.closed).code).toBe(4001);
    await bob.signal.notification('consumerClosed');
    await stalled(heardInFive);

    // What joinVoice would hand out for room-6: a new token, for the same user.
    const carol = await joined('carol', 'room-6');
    const annAgain = await joined('ann', 'room-6');
    const mic = await annAgain.produceOpus();
    await flowing(await carol.consume(mic.producerId));
    expect(node.harness.signalling.rooms()).toMatchObject({ 'room-5': ['bob'], 'room-6': ['ann', 'carol'] });
  });

  it("refuses the peer over the channel's user limit, and admits a member who may move members", async () => {
    const limit = { userLimit: 2 };
    await joined('ann', 'room-7', limit);
    await joined('bob', 'room-7', limit);
    const extra = WeriftPeer.attach(await node.harness.connect(), CLIENT);
    peers.push(extra);
    await extra.authenticate((await node.harness.token('carol', 'room-7', limit)).token);
    await expect(extra.join()).rejects.toMatchObject({ code: 'LIMIT' });
    await joined('mod', 'room-7', { ...limit, bypassUserLimit: true });
    expect(node.harness.signalling.rooms()['room-7']).toEqual(['ann', 'bob', 'mod']);
  });

  it('closes the transports of a client that never completes DTLS', async () => {
    const quick = await startNode(mediasoup, 500);
    try {
      const stuck = await joined('erin', 'room-8', {}, quick);
      // Transports asked for and connected with a fingerprint, but no ICE or DTLS ever follows.
      const send = await stuck.request('createTransport', { direction: 'send' });
      await stuck.request('createTransport', { direction: 'recv' });
      await stuck.request('connectTransport', { transportId: send.id, dtlsParameters: DTLS_PARAMETERS });
      expect(quick.engine.counts()).toMatchObject({ rooms: 1, transports: 2 });
      await expect.poll(() => quick.engine.counts().transports, { timeout: DEADLINE_MS }).toBe(0);
      // The peer is still in the room; leaving releases the rest.
      await stuck.leave();
      await expect.poll(() => quick.engine.counts()).toEqual(EMPTY);
    } finally {
      await quick.close();
    }
  });
});
