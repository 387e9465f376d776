import { createClient, type FormattedExecutionResult } from 'graphql-ws';

import { jitteredRetryWait } from './backoff.ts';
import {
  CLOSE_CODES,
  closeCodeOf,
  sessionEndReasonOf,
  shouldReconnect,
  withRetryableTokenExpiry,
  type CloseInfo,
  type SessionEndReason,
} from './close-codes.ts';
import { prepareOperation, type GoChatDocument } from './document.ts';
import { fromGraphQLErrors, GoChatClientError, toClientError } from './errors.ts';
import { createPongWatchdog } from './pong-watchdog.ts';
import { runCallback } from './report-callback-error.ts';
import { ResumableSubscription } from './resumable-subscription.ts';
import type { GoChatClient, GoChatClientOptions, SubscriptionSink } from './types.ts';

/**
 * A graphql-ws client with GoChat's production behaviour: connects eagerly, reconnects forever with
 * full-jitter backoff (a fresh token() on every attempt, so 4401 just reconnects), stops for good on
 * 4410/4429/4403, detects dead sockets with ping/pong, and resumes subscriptions from their cursor.
 */
export function createGoChatClient(options: GoChatClientOptions): GoChatClient {
  const {
    url,
    token,
    presence,
    keepAliveMs = 10_000,
    pongTimeoutMs = 5_000,
    retryBaseMs = 500,
    retryMaxMs = 15_000,
  } = options;
  const webSocketImpl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
  if (!webSocketImpl)
    throw new Error('No WebSocket implementation: pass webSocketImpl (the `ws` package on Node 20).');

  let disposed = false;
  let sessionEnded: SessionEndReason | undefined;
  let connectedBefore = false;
  let pongTimedOut = false;
  const subscriptions = new Set<ResumableSubscription<unknown>>();
  /** Rejecters of mutations awaiting their result: resending one after a reconnect could run it twice. */
  const mutationsInFlight = new Set<(error: GoChatClientError) => void>();

  const watchdog = createPongWatchdog(pongTimeoutMs, (socket) => {
    pongTimedOut = true;
    socket.close(CLOSE_CODES.pongTimeout, 'Pong timeout');
    // Do not wait for the close handshake of a dead connection (ws gives it 30 s): retry now.
    client.terminate();
  });

  const onSocketClosed = (event: unknown) => {
    watchdog.closed();
    const close: CloseInfo | undefined = pongTimedOut
      ? { code: CLOSE_CODES.pongTimeout, reason: 'Pong timeout' }
      : closeCodeOf(event);
    pongTimedOut = false;
    const lost = new GoChatClientError(
      'CONNECTION_LOST',
      'The connection closed before the mutation answered; it may or may not have run.',
      close ? { closeCode: close.code } : {},
    );
    for (const reject of [...mutationsInFlight]) reject(lost);
    if (!close) return;
    runCallback(() => options.onClosed?.(close));
    const reason = sessionEndReasonOf(close.code);
    if (reason && !sessionEnded && !disposed) {
      // graphql-ws stops retrying by itself (shouldReconnect); this refuses new operations.
      sessionEnded = reason;
      runCallback(() => options.onSessionEnded?.(reason));
    }
  };

  const client = createClient({
    url,
    webSocketImpl: withRetryableTokenExpiry(webSocketImpl),
    lazy: false,
    retryAttempts: Infinity,
    shouldRetry: shouldReconnect,
    retryWait: jitteredRetryWait(retryBaseMs, retryMaxMs),
    keepAlive: keepAliveMs,
    connectionParams: async () => ({
      authorization: `Bearer ${await token()}`,
      ...(presence ? { presence } : {}),
    }),
    // Fatal closes also reach on.closed and every operation's error(): nothing more to report here.
    onNonLazyError: () => {},
    on: {
      connected: (socket) => {
        watchdog.connected(socket);
        const reconnected = connectedBefore;
        connectedBefore = true;
        runCallback(() => options.onConnected?.({ reconnected }));
      },
      ping: (received) => watchdog.ping(received),
      pong: (received) => watchdog.pong(received),
      closed: onSocketClosed,
    },
  });

  const toError = (error: unknown) => toClientError(error, sessionEnded !== undefined);
  const refusal = (): GoChatClientError | undefined => {
    if (disposed) return new GoChatClientError('CLIENT_DISPOSED', 'The client was disposed.');
    if (sessionEnded)
      return new GoChatClientError(
        'SESSION_ENDED',
        `The session ended (${sessionEnded}); create a new client.`,
      );
    return undefined;
  };

  return {
    subscribe<TData, TVars>(
      document: GoChatDocument<TData, TVars>,
      variables: TVars,
      sink: SubscriptionSink<TData>,
    ): () => void {
      const refused = refusal();
      if (refused) {
        queueMicrotask(() => runCallback(() => sink.error?.(refused)));
        return () => {};
      }
      const subscription: ResumableSubscription<TData> = new ResumableSubscription<TData>(
        client,
        prepareOperation(document).query,
        variables ?? {},
        sink,
        toError,
        () => subscriptions.delete(subscription),
      );
      subscriptions.add(subscription);
      subscription.start();
      return () => subscription.unsubscribe();
    },

    request<TData, TVars>(document: GoChatDocument<TData, TVars>, variables: TVars): Promise<TData> {
      return new Promise<TData>((resolve, reject) => {
        const refused = refusal();
        if (refused) return reject(refused);
        const { query, isMutation } = prepareOperation(document);
        let result: FormattedExecutionResult<TData, Record<string, unknown>> | undefined;
        let settled = false;
        const settle = (outcome: () => void) => {
          if (settled) return;
          settled = true;
          mutationsInFlight.delete(loseConnection);
          outcome();
        };
        const stop = client.subscribe<TData, Record<string, unknown>>(
          { query, variables: variables ?? {} },
          {
            next: (value) => (result = value),
            error: (error) => settle(() => reject(toError(error))),
            complete: () =>
              settle(() => {
                if (result?.errors?.length) reject(fromGraphQLErrors(result.errors));
                else if (result && result.data != null) resolve(result.data);
                else
                  reject(
                    refusal() ?? new GoChatClientError('NO_RESULT', 'The operation ended without a result.'),
                  );
              }),
          },
        );
        // Called from on.closed, before graphql-ws decides to retry: stopping here keeps it from resending.
        const loseConnection = (error: GoChatClientError) =>
          settle(() => {
            stop();
            reject(error);
          });
        if (isMutation) mutationsInFlight.add(loseConnection);
      });
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const subscription of [...subscriptions]) subscription.complete();
      // graphql-ws rejects when a connection attempt was under way and failed: closed either way.
      await Promise.resolve(client.dispose()).catch(() => {});
    },
  };
}
