/** Parameters shaped as mediasoup-client 3 sends them, for the protocol's tests. */
export const OPUS_RTP_PARAMETERS = {
  mid: '0',
  codecs: [
    {
      mimeType: 'audio/opus',
      payloadType: 111,
      clockRate: 48000,
      channels: 2,
      parameters: { minptime: 10, useinbandfec: 1, 'sprop-stereo': 0, usedtx: 1 },
      rtcpFeedback: [{ type: 'transport-cc', parameter: '' }],
    },
  ],
  headerExtensions: [
    { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4, encrypt: false, parameters: {} },
    { uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: 10, encrypt: false, parameters: {} },
  ],
  encodings: [{ ssrc: 1_234_567_890, dtx: true }],
  rtcp: { cname: 'a1b2c3d4', reducedSize: true },
};

export const VP8_SIMULCAST_RTP_PARAMETERS = {
  mid: '1',
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: [] }],
  headerExtensions: [],
  encodings: [
    { rid: 'r0', maxBitrate: 100_000, scalabilityMode: 'L1T3' },
    { rid: 'r1', maxBitrate: 300_000, scalabilityMode: 'L1T3' },
    { rid: 'r2', maxBitrate: 900_000, scalabilityMode: 'L1T3' },
  ],
  rtcp: { cname: 'a1b2c3d4' },
};

export const DEVICE_RTP_CAPABILITIES = {
  codecs: [
    { kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: 100, clockRate: 48000, channels: 2 },
    { kind: 'video', mimeType: 'video/VP8', preferredPayloadType: 101, clockRate: 90000, rtcpFeedback: [] },
  ],
  headerExtensions: [{ kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1 }],
};

export const DTLS_PARAMETERS = {
  role: 'client',
  fingerprints: [
    {
      algorithm: 'sha-256',
      value:
        'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
    },
  ],
};
