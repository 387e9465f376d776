import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket } from 'werift';

import {
  CLIENT_AUDIO_CODEC,
  MID_EXTENSION,
  parseSdp,
  sendingRtpParameters,
  type DtlsParameters,
  type RtpCapabilities,
  type RtpParameters,
  type TransportParameters,
} from './sdp.ts';
import { OpusGenerator } from './werift-transports.ts';

/**
 * A router's capabilities for the stand-in, shaped as mediasoup's `router.rtpCapabilities` (Opus at
 * payload type 100, the MID header extension at id 1).
 */
export const STAND_IN_ROUTER_CAPABILITIES: RtpCapabilities = {
  codecs: [
    {
      ...CLIENT_AUDIO_CODEC,
      preferredPayloadType: 100,
      parameters: {},
      rtcpFeedback: [
        { type: 'nack', parameter: '' },
        { type: 'transport-cc', parameter: '' },
      ],
    },
  ],
  headerExtensions: [{ kind: 'audio', uri: MID_EXTENSION, preferredId: 1, direction: 'sendrecv' }],
};

/**
 * A werift peer in ICE-lite mode standing in for one mediasoup WebRtcTransport, so the werift client's
 * transports (werift-transports.ts), and the SDP they build from mediasoup's parameters (sdp.ts), run
 * where no mediasoup worker does. Like mediasoup it is ICE-lite (controlled), serves DTLS, and hands
 * out its parameters in mediasoup's shapes before the client offers. Unlike mediasoup it reads the
 * client's description itself (`accept`), where mediasoup learns the fingerprint from
 * connectTransport and the SSRCs from produce. It proves the client's side of the mapping against a
 * second WebRTC stack; mediasoup's own behaviour is media-flow.int.test.ts's subject.
 */
export class IceLiteEndpoint {
  /** What the client's connect hook passed (mediasoup's transport.connect). */
  connected: DtlsParameters | undefined;
  /** RTP packets received, in order (a receiving endpoint). */
  readonly received: RtpPacket[] = [];
  readonly parameters: TransportParameters;
  /** Consumer-shaped parameters of each track it sends (a sending endpoint), in section order. */
  readonly consumers: Array<{ consumerId: string; rtpParameters: RtpParameters; generator: OpusGenerator }>;

  private constructor(
    readonly pc: RTCPeerConnection,
    tracks: MediaStreamTrack[],
  ) {
    const local = parseSdp(pc.localDescription!.sdp);
    const first = local.media[0]!;
    this.parameters = {
      id: 'stand-in',
      iceParameters: { usernameFragment: first.iceUfrag!, password: first.icePwd!, iceLite: true },
      iceCandidates: first.candidates.map((c) => ({
        foundation: c.foundation,
        priority: c.priority,
        address: c.ip,
        protocol: c.transport === 'tcp' ? 'tcp' : 'udp',
        port: c.port,
        type: c.type,
      })),
      dtlsParameters: { role: 'auto', fingerprints: [(local.fingerprint ?? first.fingerprint)!] },
    };
    this.consumers = tracks.map((track, i) => {
      const mid = local.media[i]!.mid!;
      const params = sendingRtpParameters(local, mid, STAND_IN_ROUTER_CAPABILITIES);
      const rtpParameters = { ...params, rtcp: { ...params.rtcp, mux: true } };
      const { ssrc } = rtpParameters.encodings![0]!;
      return {
        consumerId: `stand-in-${mid}`,
        rtpParameters,
        generator: new OpusGenerator(track, ssrc!, rtpParameters.codecs[0]!.payloadType),
      };
    });
    pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => void this.received.push(rtp)));
  }

  private static peer(hostAddresses: string[]): RTCPeerConnection {
    const { mimeType, clockRate, channels } = CLIENT_AUDIO_CODEC;
    return new RTCPeerConnection({
      codecs: { audio: [new RTCRtpCodecParameters({ mimeType, clockRate, channels })], video: [] },
      iceLite: true,
      iceUseIpv6: false,
      bundlePolicy: 'max-bundle',
      iceAdditionalHostAddresses: hostAddresses,
    });
  }

  /** Receives what the client's send transport sends. */
  static async receiver(hostAddresses = ['127.0.0.1']): Promise<IceLiteEndpoint> {
    const pc = IceLiteEndpoint.peer(hostAddresses);
    pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    return new IceLiteEndpoint(pc, []);
  }

  /** Sends `tracks` Opus streams to the client's receive transport (one consumer each). */
  static async sender(tracks = 1, hostAddresses = ['127.0.0.1']): Promise<IceLiteEndpoint> {
    const pc = IceLiteEndpoint.peer(hostAddresses);
    const made = Array.from({ length: tracks }, () => new MediaStreamTrack({ kind: 'audio' }));
    for (const track of made) pc.addTransceiver(track, { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    return new IceLiteEndpoint(pc, made);
  }

  /** The client's connect hook: records the DTLS parameters, as mediasoup's transport.connect takes them. */
  readonly connect = (dtlsParameters: DtlsParameters): Promise<void> => {
    this.connected = dtlsParameters;
    return Promise.resolve();
  };

  /**
   * Takes the client's description: an offer (of a send transport), answered as the DTLS server; or
   * the answer to this endpoint's own offer (of a receive transport).
   */
  async accept(description: { type?: string; sdp: string }): Promise<void> {
    if (description.type === 'offer') {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: description.sdp });
      for (const dtls of this.pc.dtlsTransports) dtls.role = 'server';
      await this.pc.setLocalDescription(await this.pc.createAnswer());
    } else await this.pc.setRemoteDescription({ type: 'answer', sdp: description.sdp });
  }

  async close(): Promise<void> {
    for (const { generator } of this.consumers) generator.stop();
    await this.pc.close();
  }
}
