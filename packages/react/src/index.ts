/**
 * @gochat/react: one generated, typed React hook per operation of the GoChat API (over Apollo Client
 * 4), a normalised cache the viewer feed keeps live, resumable subscriptions, and optimistic sends.
 * See README.md.
 */
export * from './generated/hooks.ts';
export { skipToken } from '@apollo/client/react';
export * from './generated/graphql.ts';
export { GoChat, subjectOf, type GoChatOptions } from './gochat.ts';
export { applyFeedEvent, type FeedEvent } from './live-cache.ts';
export { compareIds, createCache } from './cache.ts';
export type { PendingMessage } from './message-writer.ts';
export { memoryStorage, type SessionEndReason, type SessionStorage, type StoredSession } from './session.ts';
export type { ConnectionStatus, PresenceStatus, VoiceEvents, VoiceFeedEvent } from './stores.ts';
export { UploadError, uploadFile, type UploadFileOptions, type UploadRequest } from './upload.ts';
export {
  GoChatProvider,
  useConnectionStatus,
  useDisplayNames,
  useGoChat,
  useMemberPresence,
  usePendingMessages,
  usePresence,
  useSignedIn,
  useTypingUsers,
} from './react.ts';
