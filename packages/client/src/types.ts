import type { GraphQLFormattedError } from 'graphql';

import type { CloseInfo, SessionEndReason } from './close-codes.ts';
import type { GoChatDocument } from './document.ts';
import type { GoChatClientError } from './errors.ts';

export type PresenceStatus = 'ONLINE' | 'IDLE' | 'DND' | 'INVISIBLE';

/** The status this connection (device) announces in connection_init. */
export interface ConnectionPresence {
  status: PresenceStatus;
  customStatus?: string | null;
}

export interface GoChatClientOptions {
  /** ws(s)://host/graphql, or a function asked on every (re)connect: pick another router after a failure. */
  url: string | (() => string | Promise<string>);
  /** Called for every connection attempt, so a reconnect after 4401 carries a fresh JWT. */
  token: () => string | Promise<string>;
  presence?: ConnectionPresence;
  /** WebSocket class; defaults to globalThis.WebSocket (pass `ws` on Node 20). */
  webSocketImpl?: unknown;
  /** Ping the server this long after connecting and after each pong. Default 10 000. */
  keepAliveMs?: number;
  /** Close with 4408 and reconnect when a pong takes longer than this. Default 5 000. */
  pongTimeoutMs?: number;
  /** Reconnect delay: random in [0, min(retryMaxMs, retryBaseMs * 2^attempt)]. Default 500. */
  retryBaseMs?: number;
  /** Default 15 000. */
  retryMaxMs?: number;
  /** The server ended the session (4410 revoked, 4429 connection limit, 4403 refused): no reconnect. */
  onSessionEnded?: (reason: SessionEndReason) => void;
  /** Each acknowledged connection; `reconnected` is false only for the first. */
  onConnected?: (info: { reconnected: boolean }) => void;
  /** Each closed socket, with the server's close code. */
  onClosed?: (close: CloseInfo) => void;
}

export interface EventMeta {
  /** Position in the durable log; absent for ephemeral events (typing). */
  cursor?: string;
  /** Field errors delivered alongside partial data. */
  errors?: readonly GraphQLFormattedError[];
}

export interface SubscriptionSink<TData> {
  /** Each event once, in order, across reconnects. */
  next(data: TData, meta: EventMeta): void;
  /** Terminal: a server refusal or kick (FORBIDDEN with reason), or the session ended. */
  error?(error: GoChatClientError): void;
  /** Terminal: the server completed the subscription, or the client was disposed. */
  complete?(): void;
  /**
   * The cursor was too old to resume (RESYNC_REQUIRED): refetch state. The subscription restarts
   * live right after this call, so apply events that arrive while refetching on top. Without this
   * handler a RESYNC_REQUIRED ends the subscription with error() instead of skipping events silently.
   */
  resync?(): void;
}

export interface GoChatClient {
  /** Starts a subscription; the returned function stops it. */
  subscribe<TData, TVars>(
    document: GoChatDocument<TData, TVars>,
    variables: TVars,
    sink: SubscriptionSink<TData>,
  ): () => void;
  /**
   * A query or mutation over the socket. Rejects with GoChatClientError carrying the GraphQL errors.
   * Queries are resent after a reconnect; a mutation in flight when the socket closes rejects with
   * CONNECTION_LOST instead (it may or may not have run).
   */
  request<TData, TVars>(document: GoChatDocument<TData, TVars>, variables: TVars): Promise<TData>;
  /** Completes every subscription and closes the socket. */
  dispose(): Promise<void>;
}
