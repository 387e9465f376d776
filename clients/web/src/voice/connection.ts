/**
 * One connection to an SFU node for one call (docs/voice.md): the signalling socket, mediasoup-client's
 * Device with a receive transport (a consumer and an <audio> per peer's microphone) and, with SPEAK,
 * a send transport with the microphone's producer. It follows the node's notifications and tells its
 * owner (the call, call.ts) what needs deciding there: kicked, moved, rejoin, lost.
 *
 * mediasoup-client is loaded on the first call, not with the app.
 */
import type { types as ms } from 'mediasoup-client';

import { openCapture, type Capture } from './capture.ts';
import { applyOutput, microphoneConstraints, onVoicePreferences, voicePreferences } from './preferences.ts';
import { SignallingSocket, VoiceError, type SignallingOptions } from './signalling.ts';
import { SpeakingMeter } from './speaking.ts';

/** Mute and deafen, one's own and a moderator's: what the microphone and the speakers obey. */
export interface VoiceFlags {
  selfMute: boolean;
  selfDeaf: boolean;
  serverMute: boolean;
  serverDeaf: boolean;
}

export interface VoiceConnectionEvents {
  /** The users heard speaking now (the SFU's active speaker, and each track's level). */
  speaking(userIds: ReadonlySet<string>): void;
  /** A moderator's mute or deafen, as the node applied it. */
  serverMute(muted: boolean): void;
  serverDeafen(deafened: boolean): void;
  /** The node closed this peer for good (docs/voice.md's kick reasons): do not rejoin. */
  kicked(reason: string): void;
  /** A moderator moved the user: join that channel through the API. */
  moved(channelId: string): void;
  /** The room moves to another node: join the same channel again after the delay. */
  rejoin(afterMs: number): void;
  /** The connection broke without a notification saying why (`rejoin`: the node shut down). */
  lost(error: VoiceError, rejoin: boolean): void;
  /** The microphone could not be opened or used (null: it works now). */
  microphone(problem: string | null): void;
}

export interface VoiceConnectionOptions {
  endpoint: string;
  token: string;
  /** The signed-in user, to name one's own peer. */
  userId: string;
  /** SPEAK in the channel: without it nothing is sent. */
  canSpeak: boolean;
  /** The channel's bitrate, for Opus. */
  bitrate: number;
  flags: VoiceFlags;
  events: VoiceConnectionEvents;
  signalling?: SignallingOptions;
  /** The microphone (tests and other callers may pass their own). */
  getMicrophone?: () => Promise<MediaStream>;
  /** The pipeline the microphone is sent through (input volume and sensitivity); capture.ts's by default. */
  openCapture?: typeof openCapture;
}

interface Remote {
  consumer: ms.Consumer;
  audio: HTMLAudioElement;
  peerId: string;
}

interface TransportAnswer {
  id: string;
  iceParameters: ms.IceParameters;
  iceCandidates: ms.IceCandidate[];
  dtlsParameters: ms.DtlsParameters;
}

interface ProducerNotice {
  producerId: string;
  peerId: string;
  kind: string;
}

/** The microphone and processing chosen in the viewer's settings (voice/preferences.ts). */
const defaultMicrophone = () =>
  navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(), video: false });

/** Words for a getUserMedia failure. */
function microphoneProblem(error: unknown): string {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'Microphone access was refused: others cannot hear you.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return 'No microphone was found: others cannot hear you.';
  if (typeof navigator.mediaDevices?.getUserMedia !== 'function')
    return 'This page cannot use a microphone (it needs HTTPS): others cannot hear you.';
  return 'The microphone could not be opened: others cannot hear you.';
}

export class VoiceConnection {
  private socket: SignallingSocket | null = null;
  private device: ms.Device | null = null;
  private sendTransport: ms.Transport | null = null;
  private recvTransport: ms.Transport | null = null;
  private microphone: MediaStreamTrack | null = null;
  /** The microphone after the input volume and the voice activity gate: the track sent. */
  private capture: Capture | null = null;
  private stopFollowingPreferences: (() => void) | null = null;
  private producer: ms.Producer | null = null;
  /** Whether the node holds our producer paused (our own pause, or a moderator's mute). */
  private pausedAtNode = false;
  private readonly remotes = new Map<string, Remote>();
  /** Producers being consumed, so a repeated notice does not consume one twice. */
  private readonly consuming = new Set<string>();
  private readonly peers = new Map<string, string>();
  private peerId: string | null = null;
  private closed = false;
  /** A notification said why the socket will close: its close is expected. */
  private closing = false;
  private flags: VoiceFlags;
  /** Mic changes run one after another (produce, pause, resume), in the order asked. */
  private micQueue: Promise<void> = Promise.resolve();
  private dominant: string | null = null;
  private heard: ReadonlySet<string> = new Set();
  private lastSpeaking: ReadonlySet<string> = new Set();
  private readonly meter: SpeakingMeter;

  constructor(private readonly options: VoiceConnectionOptions) {
    this.flags = { ...options.flags };
    this.meter = new SpeakingMeter((keys) => {
      this.heard = keys;
      this.reportSpeaking();
    });
  }

  /**
   * Connects, authenticates, joins the room, receives everyone's audio and starts the microphone.
   * Rejects with a VoiceError (UNREACHABLE, TIMEOUT, CLOSED, UNSUPPORTED or the node's code).
   */
  async start(): Promise<void> {
    const socket = await SignallingSocket.open(this.options.endpoint, this.options.signalling);
    if (this.closed) {
      socket.close();
      throw new VoiceError('CLOSED', 'The call was left.');
    }
    this.socket = socket;
    socket.onNotification = (name, data) => this.notified(name, data);
    socket.onClose = (code, reason) => this.socketClosed(code, reason);

    const { peerId } = await socket.request<{ peerId: string }>('authenticate', {
      token: this.options.token,
    });
    this.peerId = peerId;
    this.peers.set(peerId, this.options.userId);
    const { rtpCapabilities } = await socket.request<{ rtpCapabilities: ms.RtpCapabilities }>(
      'getRouterRtpCapabilities',
    );
    const device = await this.loadDevice(rtpCapabilities);
    this.assertOpen();
    const joined = await socket.request<{
      peers: { peerId: string; userId: string }[];
      producers: ProducerNotice[];
    }>('join', { rtpCapabilities: device.recvRtpCapabilities });
    for (const peer of joined.peers ?? []) this.peers.set(peer.peerId, peer.userId);

    this.recvTransport = this.createTransport(
      device,
      'recv',
      await socket.request<TransportAnswer>('createTransport', { direction: 'recv' }),
    );
    for (const producer of joined.producers ?? []) this.consumeInBackground(producer);

    if (this.options.canSpeak && device.canProduce('audio')) {
      this.sendTransport = this.createTransport(
        device,
        'send',
        await socket.request<TransportAnswer>('createTransport', { direction: 'send' }),
      );
      await this.syncMicrophone();
    }
    this.assertOpen();
  }

  /** New mute and deafen flags: the microphone and the speakers follow. */
  update(flags: Partial<VoiceFlags>): void {
    const deafBefore = this.deafened;
    this.flags = { ...this.flags, ...flags };
    if (this.deafened !== deafBefore) for (const remote of this.remotes.values()) this.applyDeafen(remote);
    void this.syncMicrophone();
  }

  /** Leaves the room politely (the node closes the socket), then lets go of everything. */
  async leave(): Promise<void> {
    const socket = this.socket;
    if (socket?.isOpen && this.peerId && !this.closed) {
      this.closing = true;
      await Promise.race([
        socket.request('leave').catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 1_500)),
      ]);
    }
    this.close();
  }

  /** Lets go of the socket, the transports, the microphone and the audio elements. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.meter.close();
    this.producer?.close();
    this.stopFollowingPreferences?.();
    this.capture?.close();
    this.microphone?.stop();
    for (const remote of this.remotes.values()) this.dropRemote(remote);
    this.remotes.clear();
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.socket?.close();
  }

  private get deafened(): boolean {
    return this.flags.selfDeaf || this.flags.serverDeaf;
  }

  private assertOpen(): void {
    if (this.closed) throw new VoiceError('CLOSED', 'The call was left.');
  }

  private async loadDevice(routerRtpCapabilities: ms.RtpCapabilities): Promise<ms.Device> {
    let device: ms.Device;
    try {
      const { Device } = await import('mediasoup-client');
      device = await Device.factory();
    } catch {
      throw new VoiceError('UNSUPPORTED', 'This browser cannot make voice calls.');
    }
    await device.load({ routerRtpCapabilities });
    this.device = device;
    return device;
  }

  private createTransport(device: ms.Device, direction: 'send' | 'recv', answer: TransportAnswer) {
    const options = {
      id: answer.id,
      iceParameters: answer.iceParameters,
      iceCandidates: answer.iceCandidates,
      dtlsParameters: answer.dtlsParameters,
    };
    const transport =
      direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.socket
        ?.request('connectTransport', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    if (direction === 'send')
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.socket
          ?.request<{ producerId: string }>('produce', {
            transportId: transport.id,
            kind,
            source: appData.source,
            rtpParameters,
            paused: appData.paused === true,
          })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    transport.on('connectionstatechange', (state) => {
      if (state === 'failed' && !this.closed && !this.closing)
        this.options.events.lost(
          new VoiceError('MEDIA', 'The media connection to the voice server failed.'),
          true,
        );
    });
    return transport;
  }

  /** Brings the microphone in line with the flags: produce it, pause it, or resume it. */
  private syncMicrophone(): Promise<void> {
    this.micQueue = this.micQueue.then(
      () => this.applyMicrophone(),
      () => this.applyMicrophone(),
    );
    return this.micQueue.catch(() => undefined);
  }

  private async applyMicrophone(): Promise<void> {
    const transport = this.sendTransport;
    const socket = this.socket;
    if (!transport || !socket || this.closed) return;
    const { selfMute, selfDeaf, serverMute, serverDeaf } = this.flags;
    const silent = selfMute || selfDeaf;
    const blocked = serverMute || serverDeaf;
    if (!this.producer) {
      // The node refuses audio while server-muted, paused or not: it is produced once lifted.
      if (blocked) return;
      try {
        if (!this.microphone) {
          const stream = await (this.options.getMicrophone ?? defaultMicrophone)();
          this.microphone = stream.getAudioTracks()[0] ?? null;
          if (!this.microphone) throw Object.assign(new Error('no audio track'), { name: 'NotFoundError' });
          if (this.closed) return this.microphone.stop();
        }
      } catch (error) {
        this.options.events.microphone(microphoneProblem(error));
        return;
      }
      this.options.events.microphone(null);
      const capture = this.capture ?? (await this.openCapture(this.microphone));
      if (this.closed) return;
      const producer = await transport.produce({
        track: capture.track,
        stopTracks: false,
        codecOptions: { opusStereo: false, opusDtx: true, opusMaxAverageBitrate: this.options.bitrate },
        appData: { source: 'mic', paused: silent },
      });
      if (this.closed) return producer.close();
      this.producer = producer;
      this.pausedAtNode = silent;
      if (silent) producer.pause();
      else this.meter.watch(this.options.userId, capture.track);
      return;
    }
    const producer = this.producer;
    if (blocked) {
      // The node paused it already (serverMute); it stays paused here too until lifted.
      producer.pause();
      this.pausedAtNode = true;
      this.meter.unwatch(this.options.userId);
      return;
    }
    if (silent && !this.pausedAtNode) {
      producer.pause();
      this.meter.unwatch(this.options.userId);
      this.pausedAtNode = true;
      await socket.request('pauseProducer', { producerId: producer.id });
    } else if (!silent && (this.pausedAtNode || producer.paused)) {
      producer.resume();
      await socket.request('resumeProducer', { producerId: producer.id });
      this.pausedAtNode = false;
      if (this.capture) this.meter.watch(this.options.userId, this.capture.track);
    }
  }

  /**
   * Puts the microphone through the capture pipeline with the current settings, and keeps it on the
   * settings as they change (Settings › Voice & video while in the call).
   */
  private async openCapture(microphone: MediaStreamTrack): Promise<Capture> {
    const settings = () => {
      const { inputVolume, inputSensitivity } = voicePreferences();
      return { inputVolume, inputSensitivity };
    };
    const capture = await (this.options.openCapture ?? openCapture)(microphone, settings());
    if (this.closed) {
      capture.close();
      return capture;
    }
    this.capture = capture;
    this.stopFollowingPreferences = onVoicePreferences(() => capture.update(settings()));
    return capture;
  }

  private consumeInBackground(notice: ProducerNotice): void {
    // Video (cameras, screens) has no place on this screen yet: only voices are received.
    if (notice.kind !== 'audio' || this.consuming.has(notice.producerId)) return;
    this.consuming.add(notice.producerId);
    this.consume(notice).catch((error: unknown) => {
      this.consuming.delete(notice.producerId);
      // The producer went away meanwhile, or the call closed: nothing to hear.
      if (!this.closed) console.warn('voice: could not receive a peer', error);
    });
  }

  private async consume({ producerId, peerId }: ProducerNotice): Promise<void> {
    const socket = this.socket;
    const transport = this.recvTransport;
    if (!socket || !transport) return;
    const answer = await socket.request<{
      consumerId: string;
      producerId: string;
      kind: 'audio' | 'video';
      rtpParameters: ms.RtpParameters;
    }>('consume', { producerId });
    const consumer = await transport.consume({
      id: answer.consumerId,
      producerId: answer.producerId,
      kind: answer.kind,
      rtpParameters: answer.rtpParameters,
    });
    if (this.closed || !this.consuming.has(producerId)) {
      consumer.close();
      return;
    }
    const audio = new Audio();
    audio.autoplay = true;
    audio.srcObject = new MediaStream([consumer.track]);
    applyOutput(audio);
    const remote = { consumer, audio, peerId };
    this.remotes.set(producerId, remote);
    this.applyDeafen(remote);
    await socket.request('resumeConsumer', { consumerId: consumer.id });
    const userId = this.peers.get(peerId);
    if (userId) this.meter.watch(userId, consumer.track);
  }

  private applyDeafen(remote: Remote): void {
    if (this.deafened) {
      remote.consumer.pause();
      remote.audio.muted = true;
      return;
    }
    remote.consumer.resume();
    remote.audio.muted = false;
    // Autoplay may refuse before the page was clicked; the next click (any control) plays it.
    void remote.audio.play().catch(() => {});
  }

  private dropRemote(remote: Remote): void {
    remote.consumer.close();
    remote.audio.pause();
    remote.audio.srcObject = null;
    const userId = this.peers.get(remote.peerId);
    if (userId) this.meter.unwatch(userId);
  }

  private dropProducer(producerId: string): void {
    this.consuming.delete(producerId);
    const remote = this.remotes.get(producerId);
    if (!remote) return;
    this.remotes.delete(producerId);
    this.dropRemote(remote);
  }

  private notified(name: string, data: Record<string, unknown>): void {
    if (this.closed) return;
    const text = (key: string) => {
      const value = data[key];
      return typeof value === 'string' ? value : null;
    };
    const { events } = this.options;
    switch (name) {
      case 'peerJoined': {
        const peerId = text('peerId');
        const userId = text('userId');
        if (peerId && userId) this.peers.set(peerId, userId);
        return;
      }
      case 'peerLeft': {
        const peerId = text('peerId');
        if (!peerId) return;
        for (const [producerId, remote] of this.remotes)
          if (remote.peerId === peerId) this.dropProducer(producerId);
        const userId = this.peers.get(peerId);
        this.peers.delete(peerId);
        if (userId && this.dominant === userId) {
          this.dominant = null;
          this.reportSpeaking();
        }
        return;
      }
      case 'newProducer': {
        const producerId = text('producerId');
        const peerId = text('peerId');
        const kind = text('kind');
        if (producerId && peerId && kind) this.consumeInBackground({ producerId, peerId, kind });
        return;
      }
      case 'producerClosed': {
        const producerId = text('producerId');
        if (producerId) this.dropProducer(producerId);
        return;
      }
      case 'consumerClosed': {
        const consumerId = text('consumerId');
        for (const [producerId, remote] of this.remotes)
          if (remote.consumer.id === consumerId) this.dropProducer(producerId);
        return;
      }
      case 'activeSpeaker': {
        const peerId = text('peerId');
        this.dominant = peerId ? (this.peers.get(peerId) ?? null) : null;
        this.reportSpeaking();
        return;
      }
      case 'serverMute': {
        const muted = data.muted === true;
        if (muted) this.pausedAtNode = true;
        this.update({ serverMute: muted });
        events.serverMute(muted);
        return;
      }
      case 'serverDeafen': {
        const deafened = data.deafened === true;
        this.update({ serverDeaf: deafened });
        events.serverDeafen(deafened);
        return;
      }
      case 'kicked':
        this.closing = true;
        events.kicked(text('reason') ?? 'disconnected');
        return;
      case 'moved': {
        const channelId = text('channelId');
        if (!channelId) return;
        this.closing = true;
        events.moved(channelId);
        return;
      }
      case 'rejoin': {
        this.closing = true;
        const afterMs = typeof data.afterMs === 'number' && data.afterMs >= 0 ? data.afterMs : 0;
        events.rejoin(Math.min(afterMs, 60_000));
        return;
      }
      default:
        // producerPaused, producerResumed and names added later: nothing to do here.
        return;
    }
  }

  private socketClosed(code: number, reason: string): void {
    if (this.closed) return;
    const expected = this.closing;
    this.close();
    if (expected) return;
    const { events } = this.options;
    switch (code) {
      case 1001: // the node shuts down: the API places the room anew
        return events.lost(new VoiceError('CLOSED', 'The voice server restarted.'), true);
      case 4000:
        return events.kicked('disconnected');
      case 4002:
        return events.rejoin(0);
      case 4401:
        return events.lost(
          new VoiceError('UNAUTHENTICATED', 'The voice server refused the connection.'),
          false,
        );
      default:
        return events.lost(
          new VoiceError('CLOSED', `Lost the connection to the voice server${reason ? ` (${reason})` : ''}.`),
          false,
        );
    }
  }

  private reportSpeaking(): void {
    const speaking = new Set(this.heard);
    if (this.dominant) speaking.add(this.dominant);
    // One's own voice counts only while it is sent.
    if (this.flags.selfMute || this.flags.selfDeaf || this.flags.serverMute || this.flags.serverDeaf)
      speaking.delete(this.options.userId);
    const same =
      speaking.size === this.lastSpeaking.size && [...speaking].every((id) => this.lastSpeaking.has(id));
    if (same) return;
    this.lastSpeaking = speaking;
    this.options.events.speaking(speaking);
  }
}
