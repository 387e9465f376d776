import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { silentLogger } from '@gochat/log';
import { freePort } from '@gochat/testkit';
import {
  createReplayGuard,
  createVoiceTokenSigner,
  createVoiceTokenVerifier,
  generateVoiceKeyPair,
  publicJwkOf,
} from '@gochat/voice-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { OPUS_RTP_PARAMETERS, VP8_SIMULCAST_RTP_PARAMETERS } from '../protocol/fixtures.ts';
import { createSignallingServer, type SignallingServer } from '../signalling/server.ts';
import { ALL_RIGHTS } from '../signalling/testing/harness.ts';
import { loadMediasoup, type MediasoupModule } from './mediasoup-api.ts';
import { createMediasoupRooms, type MediasoupRooms } from './mediasoup-rooms.ts';

// mediasoup's worker cannot be fetched or built on these machines (stack-notes §9): this suite runs
// wherever MEDIASOUP_WORKER_BIN names a worker binary (mediasoup installed with it set), and fails
// there if mediasoup itself is missing.
// eslint-disable-next-line no-process-env
const workerBin = process.env.MEDIASOUP_WORKER_BIN;
if (!workerBin) console.log('mediasoup suite skipped: MEDIASOUP_WORKER_BIN is not set');

const ISSUER = 'https://api.gochat.test';
const NODE = 'node-m';
/** Long enough that no test here meets it but the one about it, which has an engine of its own. */
const DTLS_TIMEOUT_MS = 60_000;

interface Frame {
  id?: number;
  ok?: boolean;
  data?: Record<string, unknown>;
  error?: { code: string };
  notification?: string;
}

describe.skipIf(!workerBin)('the signalling endpoint on mediasoup', () => {
  let rooms: MediasoupRooms;
  let signalling: SignallingServer;
  let server: http.Server;
  let url: string;
  let token: (userId: string, channelId: string) => Promise<string>;
  let mediasoup: MediasoupModule;

  beforeAll(async () => {
    const loaded = await loadMediasoup();
    if (!loaded) throw new Error('MEDIASOUP_WORKER_BIN is set but mediasoup is not installed');
    mediasoup = loaded;
    const { privateJwk } = await generateVoiceKeyPair();
    const signer = createVoiceTokenSigner({ privateJwk, issuer: ISSUER, ttlSeconds: 60 });
    token = async (userId, channelId) =>
      (await signer.sign({ userId, channelId, guildId: 'guild-1', nodeId: NODE, rights: ALL_RIGHTS })).token;
    rooms = await createMediasoupRooms({
      mediasoup,
      workers: 1,
      listenIp: '127.0.0.1',
      port: await freePort(),
      dtlsTimeoutMs: DTLS_TIMEOUT_MS,
      maxIncomingBitrate: 1_500_000,
      events: {
        consumerClosed: (...args) => signalling.mediaEvents.consumerClosed(...args),
        activeSpeaker: (...args) => signalling.mediaEvents.activeSpeaker(...args),
      },
      onWorkerDied: (error) => {
        throw error;
      },
      log: silentLogger,
    });
    signalling = createSignallingServer({
      verifier: createVoiceTokenVerifier({
        publicJwks: [publicJwkOf(privateJwk)],
        issuer: ISSUER,
        nodeId: NODE,
        replayGuard: createReplayGuard(),
      }),
      rooms,
      log: silentLogger,
    });
    server = http.createServer();
    server.on('upgrade', (request, socket, head) => signalling.handleUpgrade(request, socket, head));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/signal`;
  });

  afterAll(async () => {
    await signalling?.close();
    server?.close();
    rooms?.close();
  });

  /** A signalling client: requests answered in order, notifications collected. */
  async function peer(userId: string, channelId: string) {
    const socket = new WebSocket(url);
    const notifications: Frame[] = [];
    const pending = new Map<number, (frame: Frame) => void>();
    socket.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString()) as Frame;
      if (frame.notification) notifications.push(frame);
      else pending.get(frame.id!)?.(frame);
    });
    await once(socket, 'open');
    let nextId = 1;
    const call = (method: string, data: unknown = {}) => {
      const id = nextId++;
      const answer = new Promise<Frame>((resolve) => pending.set(id, resolve));
      socket.send(JSON.stringify({ id, method, data }));
      return answer;
    };
    const ok = async (method: string, data: unknown = {}) => {
      const frame = await call(method, data);
      if (!frame.ok) throw new Error(`${method}: ${JSON.stringify(frame.error)}`);
      return frame.data!;
    };
    await ok('authenticate', { token: await token(userId, channelId) });
    const { rtpCapabilities } = await ok('getRouterRtpCapabilities');
    const joined = await ok('join', { rtpCapabilities });
    return { socket, notifications, call, ok, rtpCapabilities, joined };
  }

  it('offers Opus, VP8, VP9 and H.264, and hands out transports on the WebRtcServer', async () => {
    const ann = await peer('ann', 'room-1');
    const codecs = (ann.rtpCapabilities as { codecs: Array<{ mimeType: string }> }).codecs.map(
      (c) => c.mimeType,
    );
    expect(codecs).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/VP9', 'video/H264']));
    const send = await ann.ok('createTransport', { direction: 'send' });
    expect(send).toMatchObject({ id: expect.any(String), iceParameters: expect.any(Object) });
    expect((send.iceCandidates as unknown[]).length).toBeGreaterThan(0);
    ann.socket.close();
    await expect.poll(() => rooms.counts().rooms).toBe(0);
  });

  it('announces a producer to the room, lets another peer consume it paused, and closes the consumer with it', async () => {
    const ann = await peer('ann', 'room-2');
    const bob = await peer('bob', 'room-2');
    await expect.poll(() => ann.notifications.map((n) => n.notification)).toContain('peerJoined');
    const send = await ann.ok('createTransport', { direction: 'send' });
    const { producerId } = await ann.ok('produce', {
      transportId: send.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters: OPUS_RTP_PARAMETERS,
    });
    await expect.poll(() => bob.notifications.map((n) => n.notification)).toContain('newProducer');
    await bob.ok('createTransport', { direction: 'recv' });
    const consumer = await bob.ok('consume', { producerId });
    expect(consumer).toMatchObject({ producerId, kind: 'audio', consumerId: expect.any(String) });
    await bob.ok('resumeConsumer', { consumerId: consumer.consumerId });
    expect(rooms.counts()).toMatchObject({ rooms: 1, transports: 2, producers: 1, consumers: 1 });

    await ann.ok('closeProducer', { producerId });
    await expect.poll(() => bob.notifications.map((n) => n.notification)).toContain('consumerClosed');
    expect(rooms.counts()).toMatchObject({ producers: 0, consumers: 0 });

    // A producer of another room is not this room's to consume.
    const carol = await peer('carol', 'room-3');
    const carolSend = await carol.ok('createTransport', { direction: 'send' });
    const other = await carol.ok('produce', {
      transportId: carolSend.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters: OPUS_RTP_PARAMETERS,
    });
    expect(await bob.call('consume', { producerId: other.producerId })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    for (const p of [ann, bob, carol]) p.socket.close();
    await expect.poll(() => rooms.counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
  });

  it('applies a server mute, a deafen and the bitrate cap to mediasoup objects', async () => {
    const ann = await peer('ann', 'room-6');
    const bob = await peer('bob', 'room-6');
    const send = await ann.ok('createTransport', { direction: 'send' });
    const { producerId } = await ann.ok('produce', {
      transportId: send.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters: OPUS_RTP_PARAMETERS,
    });
    await bob.ok('createTransport', { direction: 'recv' });
    const { consumerId } = await bob.ok('consume', { producerId });
    await bob.ok('resumeConsumer', { consumerId });

    // Mute: producer.pause() on the worker; a resume is refused before mediasoup is asked.
    expect(await signalling.moderate('room-6', 'ann', { serverMute: true, serverDeaf: false })).toBe(true);
    await expect.poll(() => bob.notifications.map((n) => n.notification)).toContain('producerPaused');
    expect(await ann.call('resumeProducer', { producerId })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    // Deafen: consumer.pause(), then consumer.resume() when lifted.
    expect(await signalling.moderate('room-6', 'bob', { serverMute: false, serverDeaf: true })).toBe(true);
    await bob.ok('resumeConsumer', { consumerId });
    expect(await signalling.moderate('room-6', 'bob', { serverMute: false, serverDeaf: false })).toBe(true);
    expect(await signalling.moderate('room-6', 'ann', { serverMute: false, serverDeaf: false })).toBe(true);
    await ann.ok('resumeProducer', { producerId });

    // A camera raises the send transport's cap (transport.setMaxIncomingBitrate), closing it lowers it.
    const camera = await ann.ok('produce', {
      transportId: send.id,
      kind: 'video',
      source: 'camera',
      rtpParameters: VP8_SIMULCAST_RTP_PARAMETERS,
    });
    await ann.ok('closeProducer', { producerId: camera.producerId });
    for (const p of [ann, bob]) p.socket.close();
    await expect.poll(() => rooms.counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
  });

  it('refuses parameters mediasoup cannot take as BAD_REQUEST, leaving nothing behind', async () => {
    const ann = await peer('ann', 'room-4');
    const send = await ann.ok('createTransport', { direction: 'send' });
    const unsupported = {
      ...OPUS_RTP_PARAMETERS,
      codecs: [{ mimeType: 'audio/G722', payloadType: 9, clockRate: 8000 }],
    };
    expect(
      await ann.call('produce', {
        transportId: send.id,
        kind: 'audio',
        source: 'mic',
        rtpParameters: unsupported,
      }),
    ).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(rooms.counts().producers).toBe(0);
    ann.socket.close();
    await expect.poll(() => rooms.counts().rooms).toBe(0);
  });

  it('closes a transport whose DTLS never connects', async () => {
    const quick = await createMediasoupRooms({
      mediasoup,
      workers: 1,
      listenIp: '127.0.0.1',
      port: await freePort(),
      dtlsTimeoutMs: 300,
      maxIncomingBitrate: 1_500_000,
      events: { consumerClosed: () => undefined, activeSpeaker: () => undefined },
      onWorkerDied: (error) => {
        throw error;
      },
      log: silentLogger,
    });
    try {
      const room = await quick.open('room-5');
      await room.createTransport('ann', 'recv');
      expect(quick.counts().transports).toBe(1);
      await expect.poll(() => quick.counts().transports, { timeout: 10_000 }).toBe(0);
    } finally {
      quick.close();
    }
  });
});
