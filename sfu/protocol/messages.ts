import { z } from 'zod';

import { PROTOCOL_LIMITS as L } from './limits.ts';
import { dtlsParameters, rtpCapabilities, rtpParameters } from './media-shapes.ts';

/** Server-side ids (mediasoup's UUIDs, peer ids): bounded, printable. */
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** What a producer carries: a microphone, a camera, a shared screen and its audio. */
export const PRODUCER_SOURCES = ['mic', 'camera', 'screen', 'screen-audio'] as const;
export type ProducerSource = (typeof PRODUCER_SOURCES)[number];

/** The kind of media each source carries. */
export const KIND_OF_SOURCE: Record<ProducerSource, 'audio' | 'video'> = {
  mic: 'audio',
  'screen-audio': 'audio',
  camera: 'video',
  screen: 'video',
};

/**
 * Every request a voice client sends, by method, with its data. The order a client follows (and
 * docs/voice.md draws): authenticate → getRouterRtpCapabilities → join → createTransport (send, recv) → connectTransport →
 * produce / consume → resumeConsumer; pause and resume for self-mute; leave.
 */
export const REQUESTS = {
  /** The voice token joinVoice gave; answers the peer's id. Nothing else is allowed before it. */
  authenticate: z.strictObject({ token: z.string().min(1).max(L.tokenChars) }),
  /** The room's router capabilities, for device.load(). */
  getRouterRtpCapabilities: z.strictObject({}),
  /** Enters the room with the device's capabilities; answers the peers and producers already there. */
  join: z.strictObject({ rtpCapabilities }),
  createTransport: z.strictObject({ direction: z.enum(['send', 'recv']) }),
  connectTransport: z.strictObject({ transportId: id, dtlsParameters }),
  restartIce: z.strictObject({ transportId: id }),
  produce: z.strictObject({
    transportId: id,
    kind: z.enum(['audio', 'video']),
    source: z.enum(PRODUCER_SOURCES),
    rtpParameters,
    paused: z.boolean().optional(),
  }),
  pauseProducer: z.strictObject({ producerId: id }),
  resumeProducer: z.strictObject({ producerId: id }),
  closeProducer: z.strictObject({ producerId: id }),
  /** Consumers start paused: the client resumes once its side is ready, so no first frame is lost. */
  consume: z.strictObject({ producerId: id }),
  resumeConsumer: z.strictObject({ consumerId: id }),
  leave: z.strictObject({}),
} as const;

export type Method = keyof typeof REQUESTS;
export const METHODS = Object.keys(REQUESTS) as Method[];

export type RequestData<M extends Method> = z.infer<(typeof REQUESTS)[M]>;
export type SignalRequest = { [M in Method]: { id: number; method: M; data: RequestData<M> } }[Method];

/** The envelope of every client frame; `data` is checked against the method's schema afterwards. */
export const requestEnvelope = z.strictObject({
  id: z.number().int().min(1).max(L.maxRequestId),
  method: z.string().max(64),
  data: z.unknown().optional(),
});

/**
 * Notifications the SFU pushes, by name, with their data. A client that does not know a name
 * ignores it, so new ones can be added without a protocol version.
 */
export interface Notifications {
  peerJoined: { peerId: string; userId: string };
  peerLeft: { peerId: string };
  newProducer: { producerId: string; peerId: string; kind: 'audio' | 'video'; source: ProducerSource };
  producerPaused: { producerId: string };
  producerResumed: { producerId: string };
  producerClosed: { producerId: string };
  consumerClosed: { consumerId: string };
  /** The loudest peer now, or null when nobody speaks. */
  activeSpeaker: { peerId: string | null };
  /** Server-muted (or deafened, which mutes too) or no longer: while muted, audio cannot be resumed. */
  serverMute: { muted: boolean };
  /** Server-deafened or no longer: while deafened, the SFU holds every consumer paused. */
  serverDeafen: { deafened: boolean };
  /** This peer is closed: the socket closes after this (SIGNAL_CLOSE.kicked). Do not rejoin on your own. */
  kicked: { reason: KickReason };
  /**
   * Moved by a moderator: join `channelId` through the API (joinVoice), which answers its node and a
   * token; the socket closes after this (SIGNAL_CLOSE.moved). No token travels here.
   */
  moved: { channelId: string };
  /**
   * The room is moving to another node: after `afterMs` (a random delay, so a room's members do not
   * all rejoin at once) join this channel again through the API. The SFU closes the socket
   * (SIGNAL_CLOSE.migrating) once every member's delay has passed.
   */
  rejoin: { afterMs: number };
}

/**
 * Why a peer was closed: `disconnected` by a moderator; `room-closed`; `banned` from the guild;
 * `removed` from the guild; `token-expired`; `left` the call through the API (another client of the
 * user's called leaveVoice); `replaced` by a newer session of the same user (in this room, or a call
 * elsewhere).
 */
export const KICK_REASONS = [
  'disconnected',
  'room-closed',
  'banned',
  'removed',
  'token-expired',
  'left',
  'replaced',
] as const;
export type KickReason = (typeof KICK_REASONS)[number];

export type NotificationName = keyof Notifications;
