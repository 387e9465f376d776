/** Bounds of the signalling protocol: anything larger is refused before it is parsed further. */
export const PROTOCOL_LIMITS = {
  /** One frame, UTF-8 bytes. An SDP-sized rtpParameters is a few KiB; 64 KiB leaves room and no more. */
  frameBytes: 64 * 1024,
  tokenChars: 4096,
  /** Codecs, header extensions and encodings an rtpParameters or rtpCapabilities may list. */
  codecs: 64,
  headerExtensions: 64,
  /** Three simulcast layers, plus one. */
  encodings: 4,
  fingerprints: 8,
  /** Request ids are positive integers below 2^31, chosen by the client, echoed in the response. */
  maxRequestId: 2 ** 31 - 1,
} as const;

/** What one peer may hold at once. */
export const PEER_LIMITS = {
  /** One sending and one receiving transport, as mediasoup-client uses them. */
  transportsPerDirection: 1,
  /** Microphone, camera, screen and the screen's audio. */
  producers: 4,
  /** Every producer of a full room (a 99-member room's cameras and microphones, and screens). */
  consumers: 400,
} as const;
