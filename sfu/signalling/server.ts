import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import { WebSocketServer, type WebSocket } from 'ws';

import { notificationFrame } from '../protocol/frames.ts';
import { PROTOCOL_LIMITS } from '../protocol/limits.ts';
import { KICK_REASONS, type KickReason } from '../protocol/messages.ts';
import { SIGNAL_CLOSE } from './close-codes.ts';
import type { MediaEvents } from './media.ts';
import { applyModeration, type Moderation } from './moderation.ts';
import { resolveOptions, type PeerReport, type SignallingServerOptions } from './options.ts';
import { SignalPeer, type SignalContext } from './peer.ts';
import { perform } from './requests.ts';
import { RoomPeers } from './room-peers.ts';

export { SIGNAL_CLOSE } from './close-codes.ts';
export { SIGNALLING_DEFAULTS, type PeerReport, type SignallingServerOptions } from './options.ts';
export type { Moderation } from './moderation.ts';

/** The longest rejoin window a migration may ask for: ten minutes. */
const MAX_REJOIN_WITHIN_MS = 600_000;

export interface SignallingServer {
  /** Takes over an HTTP upgrade for the signalling path. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open sockets. */
  connections(): number;
  /** Where the media engine reports what peers must hear of (give it to the engine). */
  readonly mediaEvents: MediaEvents;

  // The control surface: orders the SFU role receives from the API through the bus, about a change
  // the API has already committed. Each acts on every session of the user for that channel on this
  // node, joined or only authenticated, and resolves to whether there was one.

  /** Applies a server mute and deafen at once (see applyModeration); settles once applied. */
  moderate(channelId: string, userId: string, moderation: Moderation): Promise<boolean>;
  /** Tells the peer `kicked {reason}`, then closes it (SIGNAL_CLOSE.kicked); settles once its media is released. */
  disconnect(channelId: string, userId: string, reason: KickReason): Promise<boolean>;
  /** Tells the peer `moved {channelId: targetChannelId}`, then closes it (SIGNAL_CLOSE.moved). */
  move(channelId: string, userId: string, targetChannelId: string): Promise<boolean>;
  /**
   * Tells every peer of the room `rejoin {afterMs}` with a random delay of 0 to `rejoinWithinMs`
   * each, then closes the room's sockets (SIGNAL_CLOSE.migrating) once `rejoinWithinMs` and the
   * grace (migrateGraceMs) have passed. Returns how many peers were told.
   */
  migrate(channelId: string, rejoinWithinMs: number): number;
  /** The node's load for its announcement: peers in rooms plus their consumers. */
  load(): number;
  /** Each room and its users, for tests and metrics. */
  rooms(): Record<string, string[]>;
  /** Closes every socket (1001), cancels pending migrations and stops accepting. */
  close(): Promise<void>;
}

/**
 * The SFU's signalling endpoint: one WebSocket per peer, the protocol of sfu/protocol, with the
 * voice permissions in the peer's token enforced here (policy.ts) before the media engine is called.
 */
export function createSignallingServer(input: SignallingServerOptions): SignallingServer {
  const options = resolveOptions(input);
  const wss = new WebSocketServer({ noServer: true, maxPayload: PROTOCOL_LIMITS.frameBytes });
  const sockets = new Set<WebSocket>();
  const migrations = new Set<NodeJS.Timeout>();
  const ctx: SignalContext = {
    options,
    peers: new RoomPeers(),
    byId: new Map(),
    byChannel: new Map(),
    perform,
    report: (report: PeerReport) => {
      try {
        options.onPeer?.(report);
      } catch (error) {
        options.log.error({ err: error }, 'sfu signalling: onPeer failed');
      }
    },
  };
  wss.on('connection', (socket: WebSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new SignalPeer(socket, ctx);
  });

  /** The sessions authenticated for the channel (and user), not already closing. */
  const sessionsOf = (channelId: string, userId?: string): SignalPeer[] =>
    [...(ctx.byChannel.get(channelId) ?? [])].filter(
      (peer) => !peer.isEnding && (userId === undefined || peer.grant!.userId === userId),
    );

  const evictAll = async (peers: SignalPeer[], notice: string, code: number, reason: string) => {
    await Promise.all(peers.map((peer) => peer.evict(notice, code, reason)));
    return peers.length > 0;
  };

  return {
    mediaEvents: {
      consumerClosed: (_roomId, peerId, consumerId) => ctx.byId.get(peerId)?.consumerClosed(consumerId),
      activeSpeaker: (roomId, peerId) => ctx.peers.broadcast(roomId, 'activeSpeaker', { peerId }),
    },
    handleUpgrade: (request, socket, head) =>
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)),
    connections: () => sockets.size,

    async moderate(channelId, userId, moderation) {
      const { serverMute, serverDeaf } = moderation;
      if (typeof serverMute !== 'boolean' || typeof serverDeaf !== 'boolean')
        throw new TypeError('moderation needs serverMute and serverDeaf as booleans');
      const peers = sessionsOf(channelId, userId);
      await Promise.all(
        peers.map((peer) => peer.lane.runUrgent(() => applyModeration(peer, { serverMute, serverDeaf }))),
      );
      return peers.length > 0;
    },

    async disconnect(channelId, userId, reason) {
      if (!KICK_REASONS.includes(reason)) throw new TypeError(`unknown kick reason "${String(reason)}"`);
      return evictAll(
        sessionsOf(channelId, userId),
        notificationFrame('kicked', { reason }),
        SIGNAL_CLOSE.kicked,
        `kicked: ${reason}`,
      );
    },

    async move(channelId, userId, targetChannelId) {
      if (typeof targetChannelId !== 'string' || targetChannelId.length === 0 || targetChannelId.length > 100)
        throw new TypeError('targetChannelId must be a string of 1 to 100 characters');
      return evictAll(
        sessionsOf(channelId, userId),
        notificationFrame('moved', { channelId: targetChannelId }),
        SIGNAL_CLOSE.moved,
        'moved to another channel',
      );
    },

    migrate(channelId, rejoinWithinMs) {
      if (
        !Number.isSafeInteger(rejoinWithinMs) ||
        rejoinWithinMs < 0 ||
        rejoinWithinMs > MAX_REJOIN_WITHIN_MS
      )
        throw new TypeError(`rejoinWithinMs must be a whole number from 0 to ${MAX_REJOIN_WITHIN_MS}`);
      const told = new Set(sessionsOf(channelId));
      for (const peer of told) peer.notify('rejoin', { afterMs: randomInt(0, rejoinWithinMs + 1) });
      const timer = setTimeout(() => {
        migrations.delete(timer);
        // Whoever is still here, told or arrived since (and told now), goes.
        for (const peer of sessionsOf(channelId))
          void peer.evict(
            told.has(peer) ? undefined : notificationFrame('rejoin', { afterMs: 0 }),
            SIGNAL_CLOSE.migrating,
            'the room moved to another node',
          );
      }, rejoinWithinMs + options.migrateGraceMs);
      migrations.add(timer);
      return told.size;
    },

    load() {
      let consumers = 0;
      for (const peer of ctx.byId.values()) if (peer.entry) consumers += peer.consumers.size;
      return ctx.peers.count() + consumers;
    },
    rooms: () => ctx.peers.usersByRoom(),

    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of migrations) clearTimeout(timer);
        migrations.clear();
        for (const socket of sockets) socket.close(SIGNAL_CLOSE.shuttingDown, 'server shutting down');
        wss.close(() => resolve());
      }),
  };
}
