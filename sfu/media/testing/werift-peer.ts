import { once } from 'node:events';

import { WebSocket } from 'ws';

import { SignalClient } from '../../signalling/testing/harness.ts';
import {
  deviceRtpCapabilities,
  type DtlsParameters,
  type RtpCapabilities,
  type RtpParameters,
  type TransportParameters,
} from './sdp.ts';
import {
  WeriftRecvTransport,
  WeriftSendTransport,
  type OpusGenerator,
  type ReceivedStream,
  type WeriftTransportOptions,
} from './werift-transports.ts';

/** A request the SFU refused: its error code (FORBIDDEN, LIMIT, …) and message. */
export class SignalRequestError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    message: string,
  ) {
    super(`${method} refused: ${code} (${message})`);
    this.name = 'SignalRequestError';
  }
}

export interface JoinAnswer {
  peers: Array<{ peerId: string; userId: string }>;
  producers: Array<{ producerId: string; peerId: string; kind: string; source: string; paused: boolean }>;
}

/** A producer of this peer: its id, its RTP parameters, and the generator writing its packets. */
export interface WeriftProducer {
  producerId: string;
  rtpParameters: RtpParameters;
  generator: OpusGenerator;
}

/** performance.now() at the steps of a join, for latency measurements. */
export interface PeerTimeline {
  authenticateSent?: number;
  joined?: number;
}

/**
 * A voice client made of werift that speaks the SFU's signalling protocol (docs/voice.md) over a
 * real WebSocket, in the order a mediasoup-client app follows: authenticate → getRouterRtpCapabilities
 * → join → createTransport (send, recv) → connectTransport → produce / consume → resumeConsumer;
 * pauseProducer / resumeProducer; leave. Its microphone is a generator of real Opus RTP (the silence
 * frame every 20 ms), and what it consumes is counted packet by packet. For tests and bench:voice.
 *
 * Self-muting (`pauseProducer`) only asks the SFU: the generator keeps sending, so a test sees what
 * the SFU forwards rather than what the client withheld (mediasoup-client would also stop its track).
 */
export class WeriftPeer {
  readonly timeline: PeerTimeline = {};
  peerId: string | undefined;
  routerRtpCapabilities: RtpCapabilities | undefined;
  sendTransport: WeriftSendTransport | undefined;
  recvTransport: WeriftRecvTransport | undefined;
  readonly producers = new Map<string, WeriftProducer>();
  readonly consumers = new Map<string, ReceivedStream>();
  private closedMedia = false;

  private constructor(
    readonly signal: SignalClient,
    private readonly options: WeriftTransportOptions,
  ) {
    // The SFU closes the socket after kicked, moved and rejoin, and on shutdown: drop the media too.
    void signal.closed.then(() => this.closeMedia());
    // A socket torn down under the client (the SFU died) ends in `closed`, not in a crash.
    signal.socket.on('error', () => undefined);
  }

  /** Opens the signalling socket (`url`: ws://host:port/path of the SFU's signalling endpoint). */
  static async open(url: string, options: WeriftTransportOptions = {}): Promise<WeriftPeer> {
    const socket = new WebSocket(url);
    const signal = new SignalClient(socket);
    await once(socket, 'open');
    return new WeriftPeer(signal, options);
  }

  /** A peer over a signalling client already connected (SignallingHarness.connect()). */
  static attach(signal: SignalClient, options: WeriftTransportOptions = {}): WeriftPeer {
    return new WeriftPeer(signal, options);
  }

  /** The socket's close code and reason, once it closes. */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.signal.closed;
  }

  /** The data of a successful response; throws SignalRequestError with the SFU's code otherwise. */
  async request(method: string, data: unknown = {}): Promise<Record<string, unknown>> {
    const frame = await this.signal.call(method, data);
    if (!frame.ok)
      throw new SignalRequestError(method, frame.error?.code ?? 'UNKNOWN', frame.error?.message ?? '');
    return frame.data ?? {};
  }

  async authenticate(token: string): Promise<string> {
    this.timeline.authenticateSent = performance.now();
    const { peerId } = await this.request('authenticate', { token });
    this.peerId = peerId as string;
    return this.peerId;
  }

  /** getRouterRtpCapabilities, then join with the device's capabilities made from the router's. */
  async join(): Promise<JoinAnswer> {
    const { rtpCapabilities } = await this.request('getRouterRtpCapabilities');
    this.routerRtpCapabilities = rtpCapabilities as RtpCapabilities;
    const answer = await this.request('join', {
      rtpCapabilities: deviceRtpCapabilities(this.routerRtpCapabilities),
    });
    this.timeline.joined = performance.now();
    return answer as unknown as JoinAnswer;
  }

  /** authenticate and join. */
  async enter(token: string): Promise<JoinAnswer> {
    await this.authenticate(token);
    return this.join();
  }

  private connector(transportId: string) {
    return async (dtlsParameters: DtlsParameters) => {
      await this.request('connectTransport', { transportId, dtlsParameters });
    };
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<TransportParameters> {
    return (await this.request('createTransport', { direction })) as unknown as TransportParameters;
  }

  /**
   * A microphone: the send transport (made on first use), an Opus track on it, and `produce` with the
   * parameters read from the offer. The generator starts once the SFU accepted the producer (unless
   * `start` is false).
   */
  async produceOpus(options: { paused?: boolean; start?: boolean } = {}): Promise<WeriftProducer> {
    if (!this.routerRtpCapabilities) throw new Error('join first');
    if (!this.sendTransport) {
      const parameters = await this.createTransport('send');
      this.sendTransport = new WeriftSendTransport(
        parameters,
        this.routerRtpCapabilities,
        this.connector(parameters.id),
        this.options,
      );
    }
    const { rtpParameters, generator } = await this.sendTransport.sendOpus();
    const { producerId } = await this.request('produce', {
      transportId: this.sendTransport.parameters.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters,
      ...(options.paused === undefined ? {} : { paused: options.paused }),
    });
    const producer = { producerId: producerId as string, rtpParameters, generator };
    this.producers.set(producer.producerId, producer);
    if (options.start ?? true) generator.start();
    return producer;
  }

  /**
   * Consumes a producer of the room: the receive transport (made on first use), `consume`, the
   * consumer's section negotiated on the werift side, then `resumeConsumer` (unless `resume` is false).
   */
  async consume(producerId: string, options: { resume?: boolean } = {}): Promise<ReceivedStream> {
    if (!this.recvTransport) {
      const parameters = await this.createTransport('recv');
      this.recvTransport = new WeriftRecvTransport(parameters, this.connector(parameters.id), this.options);
    }
    const consumer = (await this.request('consume', { producerId })) as {
      consumerId: string;
      kind: 'audio' | 'video';
      rtpParameters: RtpParameters;
    };
    const stream = await this.recvTransport.receive(consumer);
    this.consumers.set(consumer.consumerId, stream);
    if (options.resume ?? true) await this.request('resumeConsumer', { consumerId: consumer.consumerId });
    return stream;
  }

  async pauseProducer(producerId: string): Promise<void> {
    await this.request('pauseProducer', { producerId });
  }

  async resumeProducer(producerId: string): Promise<void> {
    await this.request('resumeProducer', { producerId });
  }

  /** `leave`, then waits for the SFU to close the socket (1000). */
  async leave(): Promise<{ code: number; reason: string }> {
    await this.request('leave');
    const closed = await this.signal.closed;
    await this.closeMedia();
    return closed;
  }

  /** Closes the socket without `leave` (a client that drops), and the media. */
  async close(): Promise<void> {
    if (this.signal.socket.readyState === WebSocket.OPEN) this.signal.socket.close();
    await this.closeMedia();
  }

  private async closeMedia(): Promise<void> {
    if (this.closedMedia) return;
    this.closedMedia = true;
    for (const { generator } of this.producers.values()) generator.stop();
    await Promise.all([this.sendTransport?.close(), this.recvTransport?.close()]);
  }
}
