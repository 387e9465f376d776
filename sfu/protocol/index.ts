export { SIGNAL_ERROR_CODES, SignalError, type SignalErrorCode } from './errors.ts';
export { errorFrame, notificationFrame, responseFrame, type ServerFrame } from './frames.ts';
export { PEER_LIMITS, PROTOCOL_LIMITS } from './limits.ts';
export {
  KICK_REASONS,
  KIND_OF_SOURCE,
  METHODS,
  PRODUCER_SOURCES,
  REQUESTS,
  type KickReason,
  type Method,
  type NotificationName,
  type Notifications,
  type ProducerSource,
  type RequestData,
  type SignalRequest,
} from './messages.ts';
export { parseClientFrame, type ParsedFrame } from './parse.ts';
export { PeerSession, type PeerPhase } from './peer-session.ts';
