export { createGoChatClient } from './client.ts';
export { CLOSE_CODES, type CloseInfo, type SessionEndReason } from './close-codes.ts';
export type { GoChatDocument } from './document.ts';
export { GoChatClientError, type ClientErrorCode } from './errors.ts';
export type {
  ConnectionPresence,
  EventMeta,
  GoChatClient,
  GoChatClientOptions,
  PresenceStatus,
  SubscriptionSink,
} from './types.ts';
