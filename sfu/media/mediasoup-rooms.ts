import type { Logger } from '@gochat/log';

import {
  MediaRequestError,
  type ConsumerOptions,
  type MediaEvents,
  type MediaRoom,
  type MediaRooms,
} from '../signalling/media.ts';
import { MEDIA_CODECS } from './codecs.ts';
import type {
  ActiveSpeakerObserver,
  Consumer,
  MediasoupModule,
  Producer,
  Router,
  WebRtcServer,
  WebRtcTransport,
  Worker,
} from './mediasoup-api.ts';

export interface MediasoupRoomsOptions {
  mediasoup: MediasoupModule;
  /** One worker per core. */
  workers: number;
  /** The address the WebRtcServers listen on, and the one clients are told to reach. */
  listenIp: string;
  announcedAddress?: string;
  /** Worker i's WebRtcServer listens on port + i, UDP and TCP. */
  port: number;
  /** A transport whose DTLS has not connected by then is closed (a client that never finishes). */
  dtlsTimeoutMs: number;
  /**
   * The most any sending transport may push, in bits per second, whatever the signalling asks
   * (which asks for the channel's audio bitrate plus an allowance per video producer).
   */
  maxIncomingBitrate: number;
  events: MediaEvents;
  /** A worker died: the process cannot serve its rooms any more (the role exits and is restarted). */
  onWorkerDied(error: Error): void;
  log: Logger;
}

export interface MediasoupRooms extends MediaRooms {
  /** Open rooms and what they hold, for /metrics and tests. */
  counts(): { rooms: number; transports: number; producers: number; consumers: number };
  close(): void;
}

/**
 * The media engine behind the signalling endpoint: mediasoup workers (one per core), each with a
 * WebRtcServer so all its transports share one UDP and one TCP port, and a router per room, placed
 * on the workers in turn. Every mediasoup call of the SFU is in this folder.
 */
export async function createMediasoupRooms(options: MediasoupRoomsOptions): Promise<MediasoupRooms> {
  const workers: Array<{ worker: Worker; server: WebRtcServer }> = [];
  try {
    for (let i = 0; i < options.workers; i++) {
      const worker = await options.mediasoup.createWorker({ logLevel: 'warn' });
      worker.on('died', (error: Error) => options.onWorkerDied(error));
      const listen = {
        ip: options.listenIp,
        announcedAddress: options.announcedAddress,
        port: options.port + i,
      };
      const server = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ...listen },
          { protocol: 'tcp', ...listen },
        ],
      });
      workers.push({ worker, server });
    }
  } catch (error) {
    for (const { worker } of workers) worker.close();
    throw error;
  }
  const rooms = new Map<string, Promise<Room>>();
  /** Rooms created and not closed yet, for counts(). */
  const opened = new Set<Room>();
  let nextWorker = 0;

  const openRoom = async (roomId: string): Promise<Room> => {
    const { worker, server } = workers[nextWorker++ % workers.length]!;
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const observer = await router.createActiveSpeakerObserver({ interval: 300 });
    const room = new Room(roomId, router, server, observer, options, () => {
      rooms.delete(roomId);
      opened.delete(room);
    });
    opened.add(room);
    return room;
  };

  return {
    async open(roomId) {
      let pending = rooms.get(roomId);
      if (!pending) {
        pending = openRoom(roomId);
        rooms.set(roomId, pending);
        pending.catch(() => rooms.delete(roomId));
      }
      const room = await pending;
      // Each peer that opened the room holds it until closePeer; the last one out closes it.
      room.hold();
      return room;
    },
    counts() {
      const counts = { rooms: rooms.size, transports: 0, producers: 0, consumers: 0 };
      for (const room of opened) {
        const held = room.counts();
        counts.transports += held.transports;
        counts.producers += held.producers;
        counts.consumers += held.consumers;
      }
      return counts;
    },
    close() {
      for (const { worker } of workers) worker.close();
      rooms.clear();
      opened.clear();
    },
  };
}

/** mediasoup's refusals of what a client sent; anything else is ours and stays an internal error. */
async function asClientError<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TypeError' || name === 'UnsupportedError')
      throw new MediaRequestError((error as Error).message);
    throw error;
  }
}

class Room implements MediaRoom {
  private readonly transports = new Map<string, WebRtcTransport>();
  private readonly producers = new Map<string, Producer>();
  private readonly consumers = new Map<string, Consumer>();
  private holders = 0;

  constructor(
    readonly roomId: string,
    private readonly router: Router,
    private readonly server: WebRtcServer,
    private readonly observer: ActiveSpeakerObserver,
    private readonly options: MediasoupRoomsOptions,
    /** Called once the room has closed. */
    private readonly forget: () => void,
  ) {
    observer.on('dominantspeaker', ({ producer }) =>
      options.events.activeSpeaker(roomId, producer.appData.peerId),
    );
  }

  hold(): void {
    this.holders++;
  }

  get rtpCapabilities(): unknown {
    return this.router.rtpCapabilities;
  }

  async createTransport(
    peerId: string,
    direction: 'send' | 'recv',
    limits?: { maxIncomingBitrate?: number },
  ) {
    const transport = await this.router.createWebRtcTransport({
      webRtcServer: this.server,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 600_000,
      appData: { peerId },
    });
    this.transports.set(transport.id, transport);
    const timer = setTimeout(() => {
      if (transport.dtlsState !== 'connected') this.closeTransport(transport);
    }, this.options.dtlsTimeoutMs);
    transport.on('dtlsstatechange', (state: string) => {
      if (state === 'connected') clearTimeout(timer);
      if (state === 'failed' || state === 'closed') this.closeTransport(transport);
    });
    if (direction === 'send') await transport.setMaxIncomingBitrate(this.ceiling(limits?.maxIncomingBitrate));
    const { id, iceParameters, iceCandidates, dtlsParameters } = transport;
    return { id, iceParameters, iceCandidates, dtlsParameters };
  }

  /**
   * mediasoup caps a transport as a whole, through the congestion feedback the sender obeys: the
   * signalling asks for the channel's audio bitrate plus an allowance per video producer
   * (sendBitrateCap), and raises or lowers it as the peer starts and stops video. Never above the
   * node's own ceiling.
   */
  async setMaxIncomingBitrate(transportId: string, bitrate: number) {
    await this.transport(transportId).setMaxIncomingBitrate(this.ceiling(bitrate));
  }

  async connectTransport(transportId: string, dtlsParameters: unknown) {
    const transport = this.transport(transportId);
    await asClientError(() => transport.connect({ dtlsParameters }));
  }

  restartIce(transportId: string) {
    return this.transport(transportId).restartIce();
  }

  async produce(input: Parameters<MediaRoom['produce']>[0]) {
    const transport = this.transport(input.transportId);
    const producer = await asClientError(() =>
      transport.produce({
        kind: input.kind,
        rtpParameters: input.rtpParameters,
        paused: input.paused,
        appData: { peerId: input.peerId, source: input.source },
      }),
    );
    this.producers.set(producer.id, producer);
    producer.on('transportclose', () => this.producers.delete(producer.id));
    if (input.kind === 'audio') await this.observer.addProducer({ producerId: producer.id });
    return producer.id;
  }

  async setProducerPaused(producerId: string, paused: boolean) {
    const producer = this.producer(producerId);
    await (paused ? producer.pause() : producer.resume());
  }

  closeProducer(producerId: string) {
    this.producer(producerId).close();
    this.producers.delete(producerId);
  }

  async consume(input: Parameters<MediaRoom['consume']>[0]): Promise<ConsumerOptions | undefined> {
    const transport = this.transport(input.transportId);
    if (!this.router.canConsume({ producerId: input.producerId, rtpCapabilities: input.rtpCapabilities }))
      return undefined;
    const consumer = await asClientError(() =>
      transport.consume({
        producerId: input.producerId,
        rtpCapabilities: input.rtpCapabilities,
        paused: true,
      }),
    );
    this.consumers.set(consumer.id, consumer);
    consumer.on('transportclose', () => this.consumers.delete(consumer.id));
    consumer.on('producerclose', () => {
      this.consumers.delete(consumer.id);
      this.options.events.consumerClosed(this.roomId, input.peerId, consumer.id);
    });
    return {
      consumerId: consumer.id,
      producerId: consumer.producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
    };
  }

  /** The client's resume, and a server deafen's pause and its lifting. */
  async setConsumerPaused(consumerId: string, paused: boolean) {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) throw new MediaRequestError('no such consumer');
    await (paused ? consumer.pause() : consumer.resume());
  }

  /**
   * Closing a peer's transports closes its producers and consumers with them; once every peer that
   * opened the room has gone, the room (its router) closes.
   */
  closePeer(peerId: string) {
    for (const transport of [...this.transports.values()])
      if (transport.appData.peerId === peerId) this.closeTransport(transport);
    if (--this.holders === 0) {
      this.router.close();
      this.forget();
    }
  }

  counts() {
    return {
      transports: this.transports.size,
      producers: this.producers.size,
      consumers: this.consumers.size,
    };
  }

  private ceiling(bitrate: number | undefined): number {
    const { maxIncomingBitrate } = this.options;
    return bitrate === undefined ? maxIncomingBitrate : Math.min(bitrate, maxIncomingBitrate);
  }

  private closeTransport(transport: WebRtcTransport) {
    if (!transport.closed) transport.close();
    this.transports.delete(transport.id);
  }

  private transport(transportId: string): WebRtcTransport {
    const transport = this.transports.get(transportId);
    if (!transport) throw new MediaRequestError('no such transport');
    return transport;
  }

  private producer(producerId: string): Producer {
    const producer = this.producers.get(producerId);
    if (!producer) throw new MediaRequestError('no such producer');
    return producer;
  }
}
