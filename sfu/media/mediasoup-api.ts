/**
 * The part of mediasoup's API the engine uses, declared here. mediasoup is an optional dependency
 * whose install drops it where its worker cannot be fetched, and its types go with it; the engine
 * is typed against this subset (mediasoup 3.19) so the project type-checks either way. Names and
 * shapes follow mediasoup's own declarations.
 */
export type MediaKind = 'audio' | 'video';

export interface RtpCodecCapability {
  kind: MediaKind;
  mimeType: string;
  clockRate: number;
  channels?: number;
  parameters?: Record<string, unknown>;
}

interface Closable {
  readonly closed: boolean;
  close(): void;
}

export interface Worker extends Closable {
  readonly pid: number;
  createWebRtcServer(options: {
    listenInfos: Array<{ protocol: 'udp' | 'tcp'; ip: string; announcedAddress?: string; port: number }>;
  }): Promise<WebRtcServer>;
  createRouter(options: { mediaCodecs: RtpCodecCapability[] }): Promise<Router>;
  on(event: 'died', listener: (error: Error) => void): unknown;
}

export type WebRtcServer = Closable;

export interface Router extends Closable {
  readonly id: string;
  readonly rtpCapabilities: unknown;
  canConsume(options: { producerId: string; rtpCapabilities: unknown }): boolean;
  createWebRtcTransport(options: {
    webRtcServer: WebRtcServer;
    enableUdp: boolean;
    enableTcp: boolean;
    preferUdp: boolean;
    initialAvailableOutgoingBitrate: number;
    appData: { peerId: string };
  }): Promise<WebRtcTransport>;
  createActiveSpeakerObserver(options: { interval: number }): Promise<ActiveSpeakerObserver>;
}

export interface WebRtcTransport extends Closable {
  readonly id: string;
  readonly appData: { peerId: string };
  readonly iceParameters: unknown;
  readonly iceCandidates: unknown;
  readonly dtlsParameters: unknown;
  readonly dtlsState: 'new' | 'connecting' | 'connected' | 'failed' | 'closed';
  on(event: 'dtlsstatechange', listener: (state: string) => void): unknown;
  connect(options: { dtlsParameters: unknown }): Promise<void>;
  restartIce(): Promise<unknown>;
  /**
   * Caps the bitrate the remote endpoint may send over this transport, all its streams together, in
   * bits per second; enforced through the congestion feedback (REMB, transport-cc) it sends back.
   */
  setMaxIncomingBitrate(bitrate: number): Promise<void>;
  produce(options: {
    kind: MediaKind;
    rtpParameters: unknown;
    paused: boolean;
    appData: { peerId: string; source: string };
  }): Promise<Producer>;
  consume(options: { producerId: string; rtpCapabilities: unknown; paused: boolean }): Promise<Consumer>;
}

export interface Producer extends Closable {
  readonly id: string;
  readonly kind: MediaKind;
  readonly appData: { peerId: string; source: string };
  on(event: 'transportclose', listener: () => void): unknown;
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export interface Consumer extends Closable {
  readonly id: string;
  readonly kind: MediaKind;
  readonly producerId: string;
  readonly rtpParameters: unknown;
  /** Paused by us (pause()), whatever its producer's state. */
  readonly paused: boolean;
  pause(): Promise<void>;
  resume(): Promise<void>;
  on(event: 'producerclose' | 'transportclose', listener: () => void): unknown;
}

export interface ActiveSpeakerObserver extends Closable {
  addProducer(options: { producerId: string }): Promise<void>;
  on(event: 'dominantspeaker', listener: (speaker: { producer: Producer }) => void): unknown;
}

export interface MediasoupModule {
  version: string;
  createWorker(options: {
    logLevel: 'error' | 'warn';
    rtcMinPort?: number;
    rtcMaxPort?: number;
  }): Promise<Worker>;
}

/** The module's name in a variable, so TypeScript does not look for its (possibly absent) types. */
const MODULE = 'mediasoup';

/** mediasoup, or undefined when its install dropped it (no worker could be fetched or built). */
export async function loadMediasoup(): Promise<MediasoupModule | undefined> {
  try {
    const loaded = (await import(MODULE)) as { default?: MediasoupModule } & MediasoupModule;
    // mediasoup is CommonJS: its exports object is the default export.
    return loaded.default ?? loaded;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
