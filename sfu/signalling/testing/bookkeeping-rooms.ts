import { randomUUID } from 'node:crypto';

import type { ProducerSource } from '../../protocol/messages.ts';
import {
  MediaRequestError,
  type ConsumerOptions,
  type MediaEvents,
  type MediaRoom,
  type MediaRooms,
  type TransportOptions,
} from '../media.ts';

export interface BookTransport {
  id: string;
  peerId: string;
  direction: 'send' | 'recv';
  connected: boolean;
  /** The last cap asked for (send transports only). */
  maxIncomingBitrate: number | undefined;
}

export interface BookProducer {
  id: string;
  peerId: string;
  transportId: string;
  kind: 'audio' | 'video';
  source: ProducerSource;
  paused: boolean;
}

export interface BookConsumer {
  id: string;
  peerId: string;
  transportId: string;
  producerId: string;
  paused: boolean;
}

/**
 * Our MediaRooms seam kept in memory, for the signalling tests past `join`: it records transports,
 * producers and consumers with their paused flags and caps, and keeps the seam's promises (a room
 * lives while a peer holds it, closing a producer closes its consumers and says so through
 * MediaEvents, closing a peer closes all it held). It moves no media and knows nothing of
 * mediasoup: it is a second implementation of the seam, not a stand-in for mediasoup's API.
 */
export class BookkeepingRooms implements MediaRooms {
  readonly transports = new Map<string, BookTransport>();
  readonly producers = new Map<string, BookProducer>();
  readonly consumers = new Map<string, BookConsumer>();
  private readonly rooms = new Map<string, BookRoom>();
  /** When set, each produce waits for it before recording the producer (a slow engine, for races). */
  producing: Promise<void> | undefined;
  /** Produce calls under way, waiting on `producing`. */
  producesWaiting = 0;

  constructor(private readonly events: () => MediaEvents) {}

  open(roomId: string): Promise<MediaRoom> {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new BookRoom(roomId, this, this.events)));
    room.holders++;
    return Promise.resolve(room);
  }

  /** What the engine holds now, across rooms. */
  counts(): { rooms: number; transports: number; producers: number; consumers: number } {
    return {
      rooms: this.rooms.size,
      transports: this.transports.size,
      producers: this.producers.size,
      consumers: this.consumers.size,
    };
  }

  /** What one peer holds now. */
  heldBy(peerId: string): { transports: number; producers: number; consumers: number } {
    const count = (map: Map<string, { peerId: string }>) =>
      [...map.values()].filter((item) => item.peerId === peerId).length;
    return {
      transports: count(this.transports),
      producers: count(this.producers),
      consumers: count(this.consumers),
    };
  }

  /** The send transport of a peer, if it made one. */
  sendTransportOf(peerId: string): BookTransport | undefined {
    return [...this.transports.values()].find((t) => t.peerId === peerId && t.direction === 'send');
  }

  forgetRoom(roomId: string): void {
    this.rooms.delete(roomId);
  }
}

class BookRoom implements MediaRoom {
  holders = 0;
  readonly rtpCapabilities = { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000 }] };
  private readonly transportIds = new Set<string>();

  constructor(
    readonly roomId: string,
    private readonly book: BookkeepingRooms,
    private readonly events: () => MediaEvents,
  ) {}

  createTransport(
    peerId: string,
    direction: 'send' | 'recv',
    options?: { maxIncomingBitrate?: number },
  ): Promise<TransportOptions> {
    const id = randomUUID();
    this.book.transports.set(id, {
      id,
      peerId,
      direction,
      connected: false,
      maxIncomingBitrate: direction === 'send' ? options?.maxIncomingBitrate : undefined,
    });
    this.transportIds.add(id);
    return Promise.resolve({ id, iceParameters: {}, iceCandidates: [], dtlsParameters: {} });
  }

  setMaxIncomingBitrate(transportId: string, bitrate: number): Promise<void> {
    this.transport(transportId).maxIncomingBitrate = bitrate;
    return Promise.resolve();
  }

  connectTransport(transportId: string): Promise<void> {
    this.transport(transportId).connected = true;
    return Promise.resolve();
  }

  restartIce(transportId: string): Promise<unknown> {
    this.transport(transportId);
    return Promise.resolve({ usernameFragment: 'u', password: 'p', iceLite: true });
  }

  async produce(input: Parameters<MediaRoom['produce']>[0]): Promise<string> {
    if (this.book.producing) {
      this.book.producesWaiting++;
      await this.book.producing;
      this.book.producesWaiting--;
    }
    const transport = this.transport(input.transportId);
    if (transport.direction !== 'send') throw new MediaRequestError('not a send transport');
    const id = randomUUID();
    const { peerId, transportId, kind, source, paused } = input;
    this.book.producers.set(id, { id, peerId, transportId, kind, source, paused });
    return id;
  }

  setProducerPaused(producerId: string, paused: boolean): Promise<void> {
    this.producer(producerId).paused = paused;
    return Promise.resolve();
  }

  closeProducer(producerId: string): void {
    this.producer(producerId);
    this.dropProducer(producerId);
  }

  consume(input: Parameters<MediaRoom['consume']>[0]): Promise<ConsumerOptions | undefined> {
    const transport = this.transport(input.transportId);
    const producer = this.book.producers.get(input.producerId);
    if (!producer || !this.transportIds.has(producer.transportId)) return Promise.resolve(undefined);
    const id = randomUUID();
    this.book.consumers.set(id, {
      id,
      peerId: input.peerId,
      transportId: transport.id,
      producerId: producer.id,
      paused: true,
    });
    return Promise.resolve({
      consumerId: id,
      producerId: producer.id,
      kind: producer.kind,
      rtpParameters: {},
    });
  }

  setConsumerPaused(consumerId: string, paused: boolean): Promise<void> {
    const consumer = this.book.consumers.get(consumerId);
    if (!consumer) throw new MediaRequestError('no such consumer');
    consumer.paused = paused;
    return Promise.resolve();
  }

  closePeer(peerId: string): void {
    for (const id of [...this.transportIds]) {
      if (this.book.transports.get(id)?.peerId !== peerId) continue;
      for (const producer of [...this.book.producers.values()])
        if (producer.transportId === id) this.dropProducer(producer.id);
      for (const consumer of [...this.book.consumers.values()])
        if (consumer.transportId === id) this.book.consumers.delete(consumer.id);
      this.book.transports.delete(id);
      this.transportIds.delete(id);
    }
    if (--this.holders === 0) this.book.forgetRoom(this.roomId);
  }

  /** A producer closes, and its consumers with it: their peers are told, as mediasoup's engine does. */
  private dropProducer(producerId: string): void {
    this.book.producers.delete(producerId);
    for (const consumer of [...this.book.consumers.values()]) {
      if (consumer.producerId !== producerId) continue;
      this.book.consumers.delete(consumer.id);
      this.events().consumerClosed(this.roomId, consumer.peerId, consumer.id);
    }
  }

  private transport(transportId: string): BookTransport {
    const transport = this.book.transports.get(transportId);
    if (!transport || !this.transportIds.has(transportId)) throw new MediaRequestError('no such transport');
    return transport;
  }

  private producer(producerId: string): BookProducer {
    const producer = this.book.producers.get(producerId);
    if (!producer || !this.transportIds.has(producer.transportId))
      throw new MediaRequestError('no such producer');
    return producer;
  }
}
