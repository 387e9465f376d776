import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { silentLogger } from '@gochat/log';
import {
  createReplayGuard,
  createVoiceTokenSigner,
  createVoiceTokenVerifier,
  generateVoiceKeyPair,
  publicJwkOf,
  type VoiceRights,
} from '@gochat/voice-token';
import { WebSocket } from 'ws';

import {
  DEVICE_RTP_CAPABILITIES,
  OPUS_RTP_PARAMETERS,
  VP8_SIMULCAST_RTP_PARAMETERS,
} from '../../protocol/fixtures.ts';
import { KIND_OF_SOURCE, type ProducerSource } from '../../protocol/messages.ts';
import {
  createSignallingServer,
  type PeerReport,
  type SignallingServer,
  type SignallingServerOptions,
} from '../server.ts';
import { BookkeepingRooms } from './bookkeeping-rooms.ts';

/** Everything allowed, nobody moderated, no user limit. */
export const ALL_RIGHTS: VoiceRights = {
  speak: true,
  stream: true,
  serverMute: false,
  serverDeaf: false,
  bitrate: 64_000,
  userLimit: 0,
  bypassUserLimit: false,
};

export interface Frame {
  id?: number;
  ok?: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
  notification?: string;
}

/** A signalling client over a real socket: responses matched by id, notifications kept in order. */
export class SignalClient {
  readonly notifications: Array<{ name: string; data: Record<string, unknown> }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly pending = new Map<number, (frame: Frame) => void>();
  private readonly watchers = new Set<() => void>();
  private nextId = 1;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString()) as Frame;
      if (frame.notification) {
        this.notifications.push({ name: frame.notification, data: frame.data ?? {} });
        for (const watch of [...this.watchers]) watch();
      } else this.pending.get(frame.id!)?.(frame);
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  call(method: string, data: unknown = {}): Promise<Frame> {
    const id = this.nextId++;
    const answer = new Promise<Frame>((resolve) => this.pending.set(id, resolve));
    this.socket.send(JSON.stringify({ id, method, data }));
    return answer;
  }

  /** The data of a successful response; throws with the error otherwise. */
  async ok(method: string, data: unknown = {}): Promise<Record<string, unknown>> {
    const frame = await this.call(method, data);
    if (!frame.ok) throw new Error(`${method} refused: ${JSON.stringify(frame.error)}`);
    return frame.data!;
  }

  /** The error code of a refused request; throws when it succeeds. */
  async refused(method: string, data: unknown = {}): Promise<string> {
    const frame = await this.call(method, data);
    if (frame.ok) throw new Error(`${method} was not refused`);
    return frame.error!.code;
  }

  /** The first notification `name` (already received or still to come) whose data matches `where`. */
  notification(
    name: string,
    where: (data: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.notifications.find((n) => n.name === name && where(n.data));
        if (!found) return false;
        this.watchers.delete(watch);
        resolve(found.data);
        return true;
      };
      const watch = () => void check();
      if (!check()) this.watchers.add(watch);
    });
  }

  /** Every notification `name` so far. */
  seen(name: string): Array<Record<string, unknown>> {
    return this.notifications.filter((n) => n.name === name).map((n) => n.data);
  }
}

/** The request data of a producer of `source`, with parameters shaped as mediasoup-client sends them. */
export function produceData(transportId: string, source: ProducerSource, paused?: boolean) {
  const kind = KIND_OF_SOURCE[source];
  return {
    transportId,
    kind,
    source,
    rtpParameters: kind === 'audio' ? OPUS_RTP_PARAMETERS : VP8_SIMULCAST_RTP_PARAMETERS,
    ...(paused === undefined ? {} : { paused }),
  };
}

export interface JoinedClient extends SignalClient {
  peerId: string;
  sessionId: string;
  joinAnswer: Record<string, unknown>;
}

/**
 * A signalling server on a real HTTP port with real signed tokens, the in-memory engine behind it,
 * and what it reported through onPeer.
 */
export class SignallingHarness {
  readonly reports: PeerReport[] = [];
  readonly engine = new BookkeepingRooms(() => this.signalling.mediaEvents);
  signalling!: SignallingServer;
  private server!: http.Server;
  private url!: string;
  private sign!: (
    userId: string,
    channelId: string,
    rights: VoiceRights,
  ) => Promise<{ token: string; tokenId: string }>;

  static async start(options: Partial<SignallingServerOptions> = {}): Promise<SignallingHarness> {
    const harness = new SignallingHarness();
    await harness.init(options);
    return harness;
  }

  private async init(options: Partial<SignallingServerOptions>): Promise<void> {
    const issuer = 'https://api.gochat.test';
    const nodeId = 'node-t';
    const { privateJwk } = await generateVoiceKeyPair();
    const signer = createVoiceTokenSigner({ privateJwk, issuer, ttlSeconds: 60 });
    this.sign = (userId, channelId, rights) =>
      signer.sign({ userId, channelId, guildId: 'guild-1', nodeId, rights });
    this.signalling = createSignallingServer({
      verifier: createVoiceTokenVerifier({
        publicJwks: [publicJwkOf(privateJwk)],
        issuer,
        nodeId,
        replayGuard: createReplayGuard(),
      }),
      rooms: this.engine,
      log: silentLogger,
      onPeer: (report) => this.reports.push(report),
      ...options,
    });
    this.server = http.createServer((_, response) => response.writeHead(404).end());
    this.server.on('upgrade', (request, socket, head) =>
      this.signalling.handleUpgrade(request, socket, head),
    );
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/signal`;
  }

  token(userId: string, channelId: string, rights: Partial<VoiceRights> = {}) {
    return this.sign(userId, channelId, { ...ALL_RIGHTS, ...rights });
  }

  async connect(): Promise<SignalClient> {
    const socket = new WebSocket(this.url);
    const client = new SignalClient(socket);
    await once(socket, 'open');
    return client;
  }

  /** A client that authenticated with a fresh token for `userId` in `channelId`, not joined yet. */
  async authenticated(userId: string, channelId: string, rights: Partial<VoiceRights> = {}) {
    const client = await this.connect();
    const { token, tokenId } = await this.token(userId, channelId, rights);
    const { peerId } = await client.ok('authenticate', { token });
    await client.ok('getRouterRtpCapabilities');
    return Object.assign(client, { peerId: peerId as string, sessionId: tokenId });
  }

  /** A client through authenticate and join. */
  async joined(userId: string, channelId: string, rights: Partial<VoiceRights> = {}): Promise<JoinedClient> {
    const client = await this.authenticated(userId, channelId, rights);
    const joinAnswer = await client.ok('join', { rtpCapabilities: DEVICE_RTP_CAPABILITIES });
    return Object.assign(client, { joinAnswer });
  }

  /** A joined client with a send transport and one unpaused producer per source given. */
  async producing(
    userId: string,
    channelId: string,
    sources: ProducerSource[],
    rights: Partial<VoiceRights> = {},
  ) {
    const client = await this.joined(userId, channelId, rights);
    const { id: sendId } = await client.ok('createTransport', { direction: 'send' });
    const producers: Partial<Record<ProducerSource, string>> = {};
    for (const source of sources)
      producers[source] = (await client.ok('produce', produceData(sendId as string, source)))
        .producerId as string;
    return Object.assign(client, { sendId: sendId as string, producers });
  }

  /** `client` consumes each producer, with a receive transport made first; answers the consumer ids. */
  async consuming(client: SignalClient, producerIds: string[], resume = true): Promise<string[]> {
    await client.ok('createTransport', { direction: 'recv' });
    const consumerIds: string[] = [];
    for (const producerId of producerIds) {
      const { consumerId } = await client.ok('consume', { producerId });
      if (resume) await client.ok('resumeConsumer', { consumerId });
      consumerIds.push(consumerId as string);
    }
    return consumerIds;
  }

  async close(): Promise<void> {
    await this.signalling.close();
    this.server.close();
  }
}
