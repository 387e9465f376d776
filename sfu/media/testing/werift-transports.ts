import { randomInt } from 'node:crypto';

import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  useSdesMid,
  type RTCPeerConnectionConfig,
} from 'werift';

import {
  CLIENT_AUDIO_CODEC,
  extractDtlsParameters,
  parseSdp,
  recvOfferSdp,
  sendAnswerSdp,
  sendingRtpParameters,
  type DtlsParameters,
  type ReceivingSection,
  type RtpCapabilities,
  type RtpParameters,
  type TransportParameters,
} from './sdp.ts';

/**
 * The media half of the werift voice client: one RTCPeerConnection per mediasoup transport, driven
 * the way mediasoup-client's Chrome111 handler drives a browser's (send: the client offers and the
 * answer is made from mediasoup's parameters; receive: the offer is made from them and the client
 * answers). mediasoup is ICE-lite, so werift is the controlling agent; the client connects its DTLS
 * as `client` and mediasoup serves.
 */

export interface WeriftTransportOptions {
  /**
   * Addresses werift gathers host candidates on besides its interfaces'. werift skips loopback by
   * default, so a client of an SFU listening on 127.0.0.1 passes ['127.0.0.1'].
   */
  hostAddresses?: string[];
}

/** Tells mediasoup the client's DTLS parameters (`connectTransport`). */
export type ConnectTransport = (dtlsParameters: DtlsParameters) => Promise<void>;

function peerConnection(options: WeriftTransportOptions): RTCPeerConnection {
  const config: RTCPeerConnectionConfig = {
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: CLIENT_AUDIO_CODEC.mimeType,
          clockRate: CLIENT_AUDIO_CODEC.clockRate,
          channels: CLIENT_AUDIO_CODEC.channels,
        }),
      ],
      video: [],
    },
    headerExtensions: { audio: [useSdesMid()], video: [] },
    bundlePolicy: 'max-bundle',
    iceUseIpv6: false,
    ...(options.hostAddresses ? { iceAdditionalHostAddresses: options.hostAddresses } : {}),
  };
  return new RTCPeerConnection(config);
}

/** A fixed Opus frame (TOC 0xf8: CELT full band, 20 ms, mono, one frame) that decodes to silence. */
export const OPUS_SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);
/** 20 ms of Opus at its 48 kHz RTP clock. */
const SAMPLES_PER_FRAME = 960;
export const FRAME_MS = 20;

/**
 * Real Opus RTP for a producer: the silence frame every 20 ms with increasing sequence numbers and
 * timestamps and the producer's SSRC, written to the werift track (its sender sets the SSRC and the
 * payload type it negotiated, and protects the packet with SRTP).
 */
export class OpusGenerator {
  /** Packets written since the start (werift drops those written before DTLS connects). */
  sent = 0;
  private timer: NodeJS.Timeout | undefined;
  private sequenceNumber = randomInt(0, 0x10000);
  private timestamp = randomInt(0, 0x1_0000_0000);

  constructor(
    private readonly track: MediaStreamTrack,
    readonly ssrc: number,
    readonly payloadType: number,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    this.timer ??= setInterval(() => this.writeFrame(), FRAME_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private writeFrame(): void {
    const header = new RtpHeader({
      payloadType: this.payloadType,
      sequenceNumber: this.sequenceNumber,
      timestamp: this.timestamp,
      ssrc: this.ssrc,
      marker: this.sent === 0,
    });
    this.track.writeRtp(new RtpPacket(header, OPUS_SILENCE_FRAME));
    this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    this.timestamp = (this.timestamp + SAMPLES_PER_FRAME) >>> 0;
    this.sent++;
  }
}

/** What a send transport made for one producer: its RTP parameters for `produce`, and its generator. */
export interface SendingTrack {
  rtpParameters: RtpParameters;
  generator: OpusGenerator;
}

export class WeriftSendTransport {
  readonly pc: RTCPeerConnection;
  private connecting: Promise<void> | undefined;
  private readonly mids: string[] = [];
  private version = 0;

  constructor(
    readonly parameters: TransportParameters,
    private readonly router: RtpCapabilities,
    private readonly connect: ConnectTransport,
    options: WeriftTransportOptions = {},
  ) {
    this.pc = peerConnection(options);
  }

  /**
   * Adds an Opus track (Chrome111.send): offer, connect the transport with the offer's fingerprint
   * the first time, apply the offer, read the producer's parameters from it, and apply the answer
   * made from mediasoup's parameters. The generator is not started.
   */
  async sendOpus(): Promise<SendingTrack> {
    const track = new MediaStreamTrack({ kind: 'audio' });
    const transceiver = this.pc.addTransceiver(track, { direction: 'sendonly' });
    const offer = await this.pc.createOffer();
    this.connecting ??= this.connect(extractDtlsParameters(parseSdp(offer.sdp), 'client'));
    await this.connecting;
    await this.pc.setLocalDescription(offer);
    const mid = transceiver.mid;
    if (mid === null) throw new Error('werift gave the transceiver no MID');
    const local = parseSdp(this.pc.localDescription!.sdp);
    const rtpParameters = sendingRtpParameters(local, mid, this.router);
    this.mids.push(mid);
    const answer = sendAnswerSdp({
      transport: this.parameters,
      offer: local,
      mids: this.mids,
      router: this.router,
      localRole: 'client',
      version: ++this.version,
    });
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    const ssrc = rtpParameters.encodings?.[0]?.ssrc;
    const payloadType = rtpParameters.codecs[0]?.payloadType;
    if (ssrc === undefined || payloadType === undefined) throw new Error('the offer has no SSRC or codec');
    return { rtpParameters, generator: new OpusGenerator(track, ssrc, payloadType) };
  }

  get connectionState() {
    return this.pc.connectionState;
  }

  close(): Promise<void> {
    return this.pc.close();
  }
}

/** Packets received on one consumer. */
export class ReceivedStream {
  packets = 0;
  bytes = 0;
  /** performance.now() of the first packet. */
  firstPacketAt: number | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly consumerId: string,
    readonly ssrc: number,
  ) {}

  /** @internal Called by the receive transport for each RTP packet of this stream. */
  packet(payloadBytes: number): void {
    this.packets++;
    this.bytes += payloadBytes;
    this.firstPacketAt ??= performance.now();
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves once `count` packets in all have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.packets >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`consumer ${this.consumerId}: ${this.packets} of ${count} packets in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const check = () => {
        if (this.packets < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }
}

export class WeriftRecvTransport {
  readonly pc: RTCPeerConnection;
  private connecting: Promise<void> | undefined;
  private readonly sections: ReceivingSection[] = [];
  private readonly streams = new Map<number, ReceivedStream>();
  private readonly subscribed = new WeakSet<MediaStreamTrack>();
  private version = 0;

  constructor(
    readonly parameters: TransportParameters,
    private readonly connect: ConnectTransport,
    options: WeriftTransportOptions = {},
  ) {
    this.pc = peerConnection(options);
    // werift announces a remote track on every offer that carries its section: count each once.
    this.pc.onTrack.subscribe((track) => {
      if (this.subscribed.has(track)) return;
      this.subscribed.add(track);
      track.onReceiveRtp.subscribe((rtp) => {
        this.streams.get(rtp.header.ssrc)?.packet(rtp.payload.length);
      });
    });
  }

  /**
   * Receives a consumer (Chrome111.receive): a new offer with a section per consumer so far, from
   * mediasoup's parameters; the client's answer; the transport connected with the answer's
   * fingerprint the first time. Resume the consumer at the SFU afterwards.
   */
  async receive(consumer: {
    consumerId: string;
    kind: 'audio' | 'video';
    rtpParameters: RtpParameters;
  }): Promise<ReceivedStream> {
    const { consumerId, kind, rtpParameters } = consumer;
    const ssrc = rtpParameters.encodings?.[0]?.ssrc;
    if (ssrc === undefined) throw new Error(`consumer ${consumerId} has no SSRC`);
    const stream = new ReceivedStream(consumerId, ssrc);
    this.streams.set(ssrc, stream);
    const mid = rtpParameters.mid ?? String(this.sections.length);
    this.sections.push({
      mid,
      kind,
      rtpParameters,
      streamId: rtpParameters.rtcp?.cname ?? '-',
      trackId: consumerId,
    });
    const offer = recvOfferSdp({
      transport: this.parameters,
      sections: this.sections,
      version: ++this.version,
    });
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    const answer = await this.pc.createAnswer();
    this.connecting ??= this.connect(extractDtlsParameters(parseSdp(answer.sdp), 'client'));
    await this.connecting;
    await this.pc.setLocalDescription(answer);
    return stream;
  }

  get connectionState() {
    return this.pc.connectionState;
  }

  close(): Promise<void> {
    return this.pc.close();
  }
}
