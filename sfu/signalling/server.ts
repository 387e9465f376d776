import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import type { Logger } from '@gochat/log';
import { VoiceTokenError, type VerifiedVoiceToken, type VoiceTokenVerifier } from '@gochat/voice-token';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

import { SignalError, type SignalErrorCode } from '../protocol/errors.ts';
import { errorFrame, notificationFrame, responseFrame } from '../protocol/frames.ts';
import { PROTOCOL_LIMITS } from '../protocol/limits.ts';
import type { SignalRequest } from '../protocol/messages.ts';
import { parseClientFrame, type ParsedFrame } from '../protocol/parse.ts';
import { PeerSession } from '../protocol/peer-session.ts';
import { MediaRequestError, type MediaEvents, type MediaRoom, type MediaRooms } from './media.ts';
import { RoomPeers, type PeerEntry } from './room-peers.ts';

/** Close codes of the signalling socket (docs/voice.md). */
export const SIGNAL_CLOSE = {
  /** Left the room as asked. */
  left: 1000,
  /** The node is shutting down: join again (the API places the room anew). */
  shuttingDown: 1001,
  /** Too many malformed frames. */
  badFrames: 4400,
  /** The token was refused, or none came in time. */
  unauthenticated: 4401,
} as const;

/** A client gets this long to authenticate, and this many malformed frames, unless configured. */
export const SIGNALLING_DEFAULTS = { authTimeoutMs: 10_000, maxBadFrames: 20 } as const;

export interface SignallingServerOptions {
  /** Checks voice tokens for this node (give it a replay guard: each token admits once). */
  verifier: VoiceTokenVerifier;
  rooms: MediaRooms;
  log: Logger;
  /** A socket that has not authenticated by then is closed (SIGNALLING_DEFAULTS). */
  authTimeoutMs?: number;
  /** Malformed frames tolerated per socket before it is closed (SIGNALLING_DEFAULTS). */
  maxBadFrames?: number;
}

export interface SignallingServer {
  /** Takes over an HTTP upgrade for the signalling path. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open sockets. */
  connections(): number;
  /** Where the media engine reports what peers must hear of (give it to the engine). */
  readonly mediaEvents: MediaEvents;
  /** Closes every socket (1001) and stops accepting. */
  close(): Promise<void>;
}

/** What the engine may tell one peer's socket. */
interface PeerLink {
  consumerClosed(consumerId: string): void;
}

/**
 * The SFU's signalling endpoint: one WebSocket per peer, the protocol of sfu/protocol. Each socket's
 * requests are handled one at a time in arrival order, so a check and the state it guards cannot
 * interleave with another request of the same peer. Nothing a client sends can throw out of here.
 */
export function createSignallingServer(options: SignallingServerOptions): SignallingServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: PROTOCOL_LIMITS.frameBytes });
  const peers = new RoomPeers();
  const links = new Map<string, PeerLink>();
  const sockets = new Set<WebSocket>();
  wss.on('connection', (socket: WebSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    servePeer(socket, options, peers, links);
  });
  return {
    mediaEvents: {
      consumerClosed: (_roomId, peerId, consumerId) => links.get(peerId)?.consumerClosed(consumerId),
      activeSpeaker: (roomId, peerId) => peers.broadcast(roomId, 'activeSpeaker', { peerId }),
    },
    handleUpgrade: (request, socket, head) =>
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)),
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.close(SIGNAL_CLOSE.shuttingDown, 'server shutting down');
        wss.close(() => resolve());
      }),
  };
}

function servePeer(
  socket: WebSocket,
  options: SignallingServerOptions,
  peers: RoomPeers,
  links: Map<string, PeerLink>,
): void {
  const { log } = options;
  const session = new PeerSession();
  const peerId = randomUUID();
  let grant: VerifiedVoiceToken | undefined;
  let room: MediaRoom | undefined;
  let entry: PeerEntry | undefined;
  let deviceCapabilities: unknown;
  let badFrames = 0;
  let queue = Promise.resolve();

  const send = (frame: string) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(frame);
  };
  links.set(peerId, {
    consumerClosed: (consumerId) => {
      session.consumerClosed(consumerId);
      send(notificationFrame('consumerClosed', { consumerId }));
    },
  });
  const authTimer = setTimeout(
    () => socket.close(SIGNAL_CLOSE.unauthenticated, 'not authenticated in time'),
    options.authTimeoutMs ?? SIGNALLING_DEFAULTS.authTimeoutMs,
  );

  const openRoom = async () => (room ??= await options.rooms.open(grant!.channelId));

  const leave = () => {
    if (entry) peers.remove(grant!.channelId, peerId);
    room?.closePeer(peerId);
    entry = undefined;
    session.left();
  };

  const perform = async (request: SignalRequest): Promise<unknown> => {
    switch (request.method) {
      case 'authenticate':
        grant = await options.verifier.verify(request.data.token);
        clearTimeout(authTimer);
        session.authenticated();
        return { peerId };
      case 'getRouterRtpCapabilities':
        return { rtpCapabilities: (await openRoom()).rtpCapabilities };
      case 'join': {
        await openRoom();
        deviceCapabilities = request.data.rtpCapabilities;
        const snapshot = peers.snapshot(grant!.channelId, peerId);
        entry = { peerId, userId: grant!.userId, send, producers: new Map() };
        peers.add(grant!.channelId, entry);
        session.joined();
        return snapshot;
      }
      case 'createTransport': {
        const transport = await room!.createTransport(peerId, request.data.direction);
        session.transportCreated(transport.id, request.data.direction);
        return transport;
      }
      case 'connectTransport':
        await room!.connectTransport(request.data.transportId, request.data.dtlsParameters);
        return {};
      case 'restartIce':
        return { iceParameters: await room!.restartIce(request.data.transportId) };
      case 'produce': {
        const { kind, source } = request.data;
        const paused = request.data.paused ?? false;
        const producerId = await room!.produce({ peerId, ...request.data, paused });
        session.producerCreated(producerId, source);
        entry!.producers.set(producerId, { kind, source, paused });
        peers.broadcast(grant!.channelId, 'newProducer', { producerId, peerId, kind, source }, peerId);
        return { producerId };
      }
      case 'pauseProducer':
      case 'resumeProducer': {
        const { producerId } = request.data;
        const paused = request.method === 'pauseProducer';
        await room!.setProducerPaused(producerId, paused);
        const producer = entry!.producers.get(producerId);
        if (producer) producer.paused = paused;
        peers.broadcast(
          grant!.channelId,
          paused ? 'producerPaused' : 'producerResumed',
          { producerId },
          peerId,
        );
        return {};
      }
      case 'closeProducer': {
        const { producerId } = request.data;
        room!.closeProducer(producerId);
        session.producerClosed(producerId);
        entry!.producers.delete(producerId);
        peers.broadcast(grant!.channelId, 'producerClosed', { producerId }, peerId);
        return {};
      }
      case 'consume': {
        const { producerId } = request.data;
        if (!peers.hasProducer(grant!.channelId, producerId))
          throw new SignalError('NOT_FOUND', 'no such producer in this room');
        const consumer = await room!.consume({
          peerId,
          transportId: session.transportOf('recv')!,
          producerId,
          rtpCapabilities: deviceCapabilities,
        });
        if (!consumer) throw new SignalError('BAD_REQUEST', 'this device cannot receive that producer');
        session.consumerCreated(consumer.consumerId);
        return consumer;
      }
      case 'resumeConsumer':
        await room!.resumeConsumer(request.data.consumerId);
        return {};
      case 'leave':
        leave();
        return {};
    }
  };

  const handle = async (raw: RawData, isBinary: boolean) => {
    const parsed: ParsedFrame = isBinary
      ? { ok: false, error: new SignalError('BAD_REQUEST', 'frames are JSON text') }
      : parseClientFrame(Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer));
    if (!parsed.ok) {
      send(errorFrame(parsed.id, parsed.error.code, parsed.error.message));
      if (++badFrames >= (options.maxBadFrames ?? SIGNALLING_DEFAULTS.maxBadFrames))
        socket.close(SIGNAL_CLOSE.badFrames, 'too many malformed frames');
      return;
    }
    const { request } = parsed;
    try {
      session.check(request);
      send(responseFrame(request.id, await perform(request)));
      if (request.method === 'leave') socket.close(SIGNAL_CLOSE.left, 'left');
    } catch (error) {
      const { code, message } = classify(error, request, log);
      send(errorFrame(request.id, code, message));
      if (code === 'UNAUTHENTICATED') socket.close(SIGNAL_CLOSE.unauthenticated, 'voice token refused');
    }
  };

  socket.on('message', (raw, isBinary) => {
    queue = queue.then(() => handle(raw, isBinary));
  });
  socket.on('error', (error) => log.debug({ err: error }, 'sfu signalling: socket error'));
  socket.once('close', () => {
    clearTimeout(authTimer);
    links.delete(peerId);
    // After the requests already queued, so a produce in flight is closed with the rest.
    queue = queue.then(() => {
      if (session.phase !== 'left') leave();
    });
  });
}

/** The response a failure deserves: the client's own mistakes by code; anything else masked and logged. */
function classify(
  error: unknown,
  request: SignalRequest,
  log: Logger,
): { code: SignalErrorCode; message: string } {
  if (error instanceof SignalError) return { code: error.code, message: error.message };
  if (error instanceof VoiceTokenError) return { code: 'UNAUTHENTICATED', message: error.message };
  if (error instanceof MediaRequestError) return { code: 'BAD_REQUEST', message: error.message };
  const requestId = randomUUID();
  log.error({ err: error, requestId, method: request.method }, 'sfu signalling: request failed');
  return { code: 'INTERNAL', message: `internal error (request ${requestId})` };
}
