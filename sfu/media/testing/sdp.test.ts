import { SessionDescription } from 'werift';
import { describe, expect, it } from 'vitest';

import { DEVICE_RTP_CAPABILITIES, DTLS_PARAMETERS, OPUS_RTP_PARAMETERS } from '../../protocol/fixtures.ts';
import { REQUESTS } from '../../protocol/messages.ts';
import {
  deviceRtpCapabilities,
  extractDtlsParameters,
  parseParams,
  parseSdp,
  recvOfferSdp,
  sendAnswerSdp,
  sendingRtpParameters,
  type RtpCapabilities,
  type RtpParameters,
  type TransportParameters,
} from './sdp.ts';

/**
 * A router's capabilities as mediasoup 3.19 derives them from sfu/media/codecs.ts (a subset of its
 * header extensions): dynamic payload types from 100, RTCP feedback normalised to `parameter: ''`.
 */
const ROUTER: RtpCapabilities = {
  codecs: [
    {
      kind: 'audio',
      mimeType: 'audio/opus',
      preferredPayloadType: 100,
      clockRate: 48_000,
      channels: 2,
      parameters: {},
      rtcpFeedback: [
        { type: 'nack', parameter: '' },
        { type: 'transport-cc', parameter: '' },
      ],
    },
    {
      kind: 'video',
      mimeType: 'video/VP8',
      preferredPayloadType: 101,
      clockRate: 90_000,
      parameters: { 'x-google-start-bitrate': 1000 },
      rtcpFeedback: [{ type: 'nack', parameter: '' }],
    },
  ],
  headerExtensions: [
    { kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1, direction: 'sendrecv' },
    { kind: 'video', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1, direction: 'sendrecv' },
    {
      kind: 'audio',
      uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
      preferredId: 4,
      direction: 'sendrecv',
    },
    {
      kind: 'audio',
      uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
      preferredId: 5,
      direction: 'recvonly',
    },
    {
      kind: 'audio',
      uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
      preferredId: 10,
      direction: 'sendrecv',
    },
  ],
};

/** A WebRtcTransport's parameters as `createTransport` answers them (on a WebRtcServer: UDP and TCP). */
const TRANSPORT: TransportParameters = {
  id: '5b0fb8a2-5c5e-4c6e-9a1e-2b1f6f0c9d11',
  iceParameters: { usernameFragment: 'x1y2z3ufrag', password: 'p4s5w6o7r8d9password', iceLite: true },
  iceCandidates: [
    {
      foundation: 'udpcandidate',
      priority: 1_076_302_079,
      address: '127.0.0.1',
      protocol: 'udp',
      port: 40_000,
      type: 'host',
    },
    {
      foundation: 'tcpcandidate',
      priority: 1_076_276_479,
      address: '127.0.0.1',
      protocol: 'tcp',
      port: 40_000,
      type: 'host',
      tcpType: 'passive',
    },
  ],
  dtlsParameters: {
    role: 'auto',
    fingerprints: [
      {
        algorithm: 'sha-256',
        value:
          'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
      },
      {
        algorithm: 'sha-512',
        value:
          '01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF',
      },
    ],
  },
};

/**
 * A browser's offer for a microphone on a send transport, the one OPUS_RTP_PARAMETERS describes:
 * Opus at 111 (with G722 and PCMU the router does not take), the MID and audio-level extensions,
 * one SSRC, DTLS_PARAMETERS' fingerprint.
 */
const MIC_OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS stream',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 9 0',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:clientufrag',
  'a=ice-pwd:clientpasswordclientpassword',
  'a=ice-options:trickle',
  `a=fingerprint:${DTLS_PARAMETERS.fingerprints[0]!.algorithm} ${DTLS_PARAMETERS.fingerprints[0]!.value}`,
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=extmap:10 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=sendonly',
  'a=msid:stream track',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1;sprop-stereo=0;usedtx=1',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=ssrc:1234567890 cname:a1b2c3d4',
  'a=ssrc:1234567890 msid:stream track',
  '',
].join('\r\n');

/** A consumer's parameters as mediasoup's `consume` answers them for a DEVICE_RTP_CAPABILITIES device. */
const CONSUMER: RtpParameters = {
  mid: '0',
  codecs: [
    {
      mimeType: 'audio/opus',
      payloadType: 100,
      clockRate: 48_000,
      channels: 2,
      // mediasoup keeps the producer's codec parameters.
      parameters: { minptime: 10, useinbandfec: 1, 'sprop-stereo': 0, usedtx: 1 },
      rtcpFeedback: [],
    },
  ],
  headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1, encrypt: false, parameters: {} }],
  encodings: [{ ssrc: 987_654_321 }],
  rtcp: { cname: 'a1b2c3d4', reducedSize: true, mux: true },
};

describe('the SDP mapping of the werift voice client', () => {
  it("reads a producer's RTP parameters from an offer as mediasoup-client does", () => {
    const parameters = sendingRtpParameters(parseSdp(MIC_OFFER), '0', ROUTER);
    // OPUS_RTP_PARAMETERS is mediasoup-client's, whose `dtx` comes from the app's encodings, not the SDP.
    expect(parameters).toEqual({ ...OPUS_RTP_PARAMETERS, encodings: [{ ssrc: 1_234_567_890 }] });
    expect(() =>
      REQUESTS.produce.parse({
        transportId: TRANSPORT.id,
        kind: 'audio',
        source: 'mic',
        rtpParameters: parameters,
      }),
    ).not.toThrow();
  });

  it("reads the client's DTLS fingerprint and connects as the DTLS client", () => {
    const dtls = extractDtlsParameters(parseSdp(MIC_OFFER), 'client');
    expect(dtls).toEqual(DTLS_PARAMETERS);
    expect(() =>
      REQUESTS.connectTransport.parse({ transportId: TRANSPORT.id, dtlsParameters: dtls }),
    ).not.toThrow();
    expect(() =>
      extractDtlsParameters(parseSdp(MIC_OFFER.replace(/a=fingerprint.*\r\n/, '')), 'client'),
    ).toThrow(/fingerprint/);
  });

  it("makes the device's capabilities from the router's: Opus and the MID extension at the router's ids", () => {
    const device = deviceRtpCapabilities(ROUTER);
    expect(device).toEqual({
      codecs: [{ ...DEVICE_RTP_CAPABILITIES.codecs[0], parameters: {}, rtcpFeedback: [] }],
      headerExtensions: [
        { ...DEVICE_RTP_CAPABILITIES.headerExtensions[0], preferredEncrypt: false, direction: 'sendrecv' },
      ],
    });
    expect(() => REQUESTS.join.parse({ rtpCapabilities: device })).not.toThrow();
    expect(() => deviceRtpCapabilities({ codecs: ROUTER.codecs!.slice(1) })).toThrow(/no Opus/);
  });

  it("answers a send transport's offer from mediasoup's parameters, and reads back the same parameters", () => {
    const sdp = sendAnswerSdp({
      transport: TRANSPORT,
      offer: parseSdp(MIC_OFFER),
      mids: ['0'],
      router: ROUTER,
      localRole: 'client',
    });
    const answer = parseSdp(sdp);
    expect(answer.iceLite).toBe(true);
    // The last fingerprint mediasoup lists, as mediasoup-client takes it.
    expect(answer.fingerprint).toEqual(TRANSPORT.dtlsParameters.fingerprints[1]);
    expect(answer.groups).toEqual([{ type: 'BUNDLE', mids: ['0'] }]);
    const [media] = answer.media;
    expect(media).toMatchObject({
      kind: 'audio',
      mid: '0',
      direction: 'recvonly',
      setup: 'passive',
      iceUfrag: TRANSPORT.iceParameters.usernameFragment,
      icePwd: TRANSPORT.iceParameters.password,
      endOfCandidates: true,
      rtcpMux: true,
      payloads: [111],
      // The offer's payload type with the router's parameters; no transport-cc without its extension.
      rtp: [{ payload: 111, codec: 'opus', rate: 48_000, encoding: 2 }],
      fmtp: [],
      rtcpFb: [],
      ext: [
        { value: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
        { value: 10, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' },
      ],
    });
    expect(
      media!.candidates.map((c) => ({
        foundation: c.foundation,
        priority: c.priority,
        address: c.ip,
        protocol: c.transport,
        port: c.port,
        type: c.type,
        ...(c.tcptype ? { tcpType: c.tcptype } : {}),
      })),
    ).toEqual(TRANSPORT.iceCandidates);

    // werift reads it as an ICE-lite peer serving DTLS, with mediasoup's credentials and candidates.
    const parsed = SessionDescription.parse(sdp);
    const werift = parsed.media[0]!;
    expect(werift.iceParams).toMatchObject({ iceLite: true, usernameFragment: 'x1y2z3ufrag' });
    expect(werift.dtlsParams).toMatchObject({
      role: 'server',
      fingerprints: [TRANSPORT.dtlsParameters.fingerprints[1]],
    });
    expect(werift.iceCandidates.map((c) => [c.protocol, c.ip, c.port])).toEqual([
      ['udp', '127.0.0.1', 40_000],
      ['tcp', '127.0.0.1', 40_000],
    ]);
    expect(werift.rtp.codecs.map((c) => [c.payloadType, c.mimeType, c.channels])).toEqual([
      [111, 'audio/opus', 2],
    ]);
  });

  it("offers a receive transport mediasoup's consumers, and reads back the consumers' parameters", () => {
    const second = { ...CONSUMER, mid: '1', encodings: [{ ssrc: 55_555_555, rtx: { ssrc: 55_555_556 } }] };
    const sdp = recvOfferSdp({
      transport: TRANSPORT,
      sections: [
        { mid: '0', kind: 'audio', rtpParameters: CONSUMER, streamId: 'a1b2c3d4', trackId: 'consumer-1' },
        { mid: '1', kind: 'audio', rtpParameters: second, streamId: 'a1b2c3d4', trackId: 'consumer-2' },
      ],
    });
    const offer = parseSdp(sdp);
    expect(offer.groups).toEqual([{ type: 'BUNDLE', mids: ['0', '1'] }]);
    expect(offer.media.map((m) => [m.mid, m.direction, m.setup, m.msid, m.iceUfrag])).toEqual([
      ['0', 'sendonly', 'actpass', 'a1b2c3d4 consumer-1', 'x1y2z3ufrag'],
      ['1', 'sendonly', 'actpass', 'a1b2c3d4 consumer-2', 'x1y2z3ufrag'],
    ]);
    expect(parseParams(offer.media[0]!.fmtp[0]!.config)).toEqual(CONSUMER.codecs[0]!.parameters);
    expect(offer.media[1]!.ssrcGroups).toEqual([{ semantics: 'FID', ssrcs: [55_555_555, 55_555_556] }]);

    // Read as a sender's section, each gives back the consumer's codecs, extension, SSRC and CNAME.
    const back = sendingRtpParameters(offer, '0', ROUTER);
    expect(back).toEqual({
      mid: '0',
      codecs: CONSUMER.codecs,
      headerExtensions: CONSUMER.headerExtensions,
      encodings: CONSUMER.encodings,
      rtcp: { cname: 'a1b2c3d4', reducedSize: true },
    });

    const werift = SessionDescription.parse(sdp).media;
    expect(werift.map((m) => [m.direction, m.dtlsParams?.role, m.ssrc[0]?.ssrc, m.ssrc[0]?.cname])).toEqual([
      ['sendonly', 'auto', 987_654_321, 'a1b2c3d4'],
      ['sendonly', 'auto', 55_555_555, 'a1b2c3d4'],
    ]);
  });

  it('refuses an offer without an SSRC or with no codec the router takes', () => {
    const noSsrc = MIC_OFFER.split('\r\n')
      .filter((line) => !line.startsWith('a=ssrc'))
      .join('\r\n');
    expect(() => sendingRtpParameters(parseSdp(noSsrc), '0', ROUTER)).toThrow(/a=ssrc/);
    const noOpus = MIC_OFFER.replace(
      'm=audio 9 UDP/TLS/RTP/SAVPF 111 9 0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 9 0',
    ).replace('a=rtpmap:111 opus/48000/2', '');
    expect(() => sendingRtpParameters(parseSdp(noOpus), '0', ROUTER)).toThrow(/none of the codecs/);
    expect(() => sendingRtpParameters(parseSdp(MIC_OFFER), '7', ROUTER)).toThrow(/mid 7/);
  });
});
