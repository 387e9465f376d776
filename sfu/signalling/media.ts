import type { ProducerSource } from '../protocol/messages.ts';

/**
 * What the signalling server needs from the media engine, and nothing more: the narrow seam behind
 * which mediasoup lives (sfu/media/), so the protocol, the admission and the bookkeeping are tested
 * without a mediasoup worker. Parameters pass through as the client sent them (validated for shape
 * by the protocol); the engine checks their meaning and throws MediaRequestError when it refuses.
 */
export interface MediaRooms {
  /** The room of a voice channel on this node, created on first use. */
  open(roomId: string): Promise<MediaRoom>;
}

export interface MediaRoom {
  readonly roomId: string;
  /** The router's capabilities, for the client's device.load(). */
  readonly rtpCapabilities: unknown;
  /**
   * A WebRTC transport for the peer. A send transport's `maxIncomingBitrate` caps what the peer may
   * push through it (bits/s); the engine may lower it to its own ceiling, never raise it.
   */
  createTransport(
    peerId: string,
    direction: 'send' | 'recv',
    options?: { maxIncomingBitrate?: number },
  ): Promise<TransportOptions>;
  /** Changes a send transport's cap (the peer started or stopped sending video). */
  setMaxIncomingBitrate(transportId: string, bitrate: number): Promise<void>;
  connectTransport(transportId: string, dtlsParameters: unknown): Promise<void>;
  restartIce(transportId: string): Promise<unknown>;
  produce(input: {
    peerId: string;
    transportId: string;
    kind: 'audio' | 'video';
    source: ProducerSource;
    rtpParameters: unknown;
    paused: boolean;
  }): Promise<string>;
  setProducerPaused(producerId: string, paused: boolean): Promise<void>;
  closeProducer(producerId: string): void;
  /** Undefined when the producer is not in this room or the peer's device cannot receive it. */
  consume(input: {
    peerId: string;
    transportId: string;
    producerId: string;
    rtpCapabilities: unknown;
  }): Promise<ConsumerOptions | undefined>;
  /** Pauses or resumes what the SFU forwards to a consumer's peer (its resume, a server deafen). */
  setConsumerPaused(consumerId: string, paused: boolean): Promise<void>;
  /**
   * Closes everything the peer holds in the room (its transports, and their producers and consumers)
   * and lets go of the room: the engine may close it once every peer that opened it has.
   */
  closePeer(peerId: string): void;
}

/** What the engine tells the signalling endpoint, which tells the peers. */
export interface MediaEvents {
  /** A consumer closed because its producer did: tell its peer. */
  consumerClosed(roomId: string, peerId: string, consumerId: string): void;
  /** The room's dominant speaker changed. */
  activeSpeaker(roomId: string, peerId: string | null): void;
}

export interface TransportOptions {
  id: string;
  iceParameters: unknown;
  iceCandidates: unknown;
  dtlsParameters: unknown;
}

export interface ConsumerOptions {
  consumerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: unknown;
}

/** The engine refused a request for a reason the client caused (bad parameters, an unknown id). */
export class MediaRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaRequestError';
  }
}
