import { ApolloClient, ApolloLink, HttpLink } from '@apollo/client';
import { getOperationAST, OperationTypeNode } from 'graphql';
import { createGoChatClient, type GoChatClient, type PresenceStatus } from '@gochat/client';
import { from, mergeMap } from 'rxjs';

import { createCache } from './cache.ts';
import { ViewerFeedDocument } from './generated/graphql.ts';
import { applyFeedEvent } from './live-cache.ts';
import { MessageWriter } from './message-writer.ts';
import { RealtimeLink } from './realtime-link.ts';
import { Session, type SessionStorage, type StoredSession } from './session.ts';
import { ConnectionStore, PresenceStore, TypingStore, VoiceEvents } from './stores.ts';

export interface GoChatOptions {
  /** The router's GraphQL endpoint over HTTP, e.g. `https://chat.example.com/graphql`. */
  httpUrl: string;
  /** The same over WebSocket; derived from httpUrl when absent. */
  wsUrl?: string;
  /** Where the session survives reloads; localStorage in browsers. */
  storage: SessionStorage;
  /** The status this device announces while connected. */
  presence?: PresenceStatus;
  /** WebSocket class; browsers have one. */
  webSocketImpl?: unknown;
  fetch?: typeof fetch;
}

/**
 * One signed-in (or signed-out) GoChat app: the Apollo client every generated hook uses, the session,
 * and, while signed in, one realtime connection that carries every subscription and the viewer feed
 * that keeps the cache live. Signing out disposes the connection and clears the cache.
 */
export class GoChat {
  readonly session: Session;
  readonly apollo: ApolloClient;
  readonly typing = new TypingStore();
  readonly presence = new PresenceStore();
  readonly connection = new ConnectionStore();
  /** The feed's voice events, for the code that runs the viewer's call. */
  readonly voice = new VoiceEvents();
  readonly messages: MessageWriter;
  private realtime: GoChatClient | null = null;
  private stopFeed: (() => void) | null = null;
  private viewer: string | null = null;
  /** The session the realtime connection was opened for. */
  private sessionToken: string | null = null;

  constructor(private readonly options: GoChatOptions) {
    const fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
    this.session = new Session(options.httpUrl, options.storage, fetchImpl);
    const auth = new ApolloLink((operation, forward) => {
      if (!this.session.signedIn) return forward(operation);
      return from(this.session.freshJwt()).pipe(
        mergeMap((jwt) => {
          operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
            headers: { ...headers, authorization: `Bearer ${jwt}` },
          }));
          return forward(operation);
        }),
      );
    });
    const http = new HttpLink({ uri: options.httpUrl, fetch: fetchImpl });
    const realtime = new RealtimeLink(
      () => this.realtime,
      () => this.refetchScreens(),
    );
    const isSubscription = ({ query }: ApolloLink.Operation) =>
      getOperationAST(query)?.operation === OperationTypeNode.SUBSCRIPTION;
    this.apollo = new ApolloClient({
      cache: createCache(),
      link: ApolloLink.split(isSubscription, realtime, auth.concat(http)),
    });
    this.messages = new MessageWriter(this.apollo);
    this.session.subscribe(() => this.onSessionChange());
    this.onSessionChange();
  }

  /** The signed-in user's id (the JWT's subject), or null. */
  get viewerId(): string | null {
    return this.viewer;
  }

  /** Starts the session signIn returned. */
  signIn(session: StoredSession): void {
    this.session.start(session);
  }

  /**
   * Runs a change that replaces this browser's session with the one it answers (turning two-factor
   * sign-in on or off: the server ends the old session and closes its sockets as revoked). The
   * realtime connection closes first, so that close cannot sign the browser out, and opens again
   * on the new session, or on the old one when the change failed.
   */
  async replaceSession<T>(change: () => Promise<{ result: T; session: StoredSession | null }>): Promise<T> {
    this.stopRealtime();
    try {
      const { result, session } = await change();
      if (session) this.session.start(session);
      return result;
    } finally {
      if (!this.realtime && this.viewer && this.session.signedIn) this.startRealtime();
    }
  }

  /** Forgets the session locally (call the signOut mutation first to end it on the server). */
  signOut(): void {
    this.session.end('signed-out');
  }

  dispose(): void {
    this.stopRealtime();
  }

  private onSessionChange(): void {
    const jwt = this.session.signedIn ? this.session.peekJwt() : null;
    const viewer = jwt ? subjectOf(jwt) : null;
    const sessionToken = this.session.sessionToken;
    if (viewer === this.viewer) {
      // The same user in a new session (two-factor sign-in turned on or off renews it, and the old
      // one's sockets are closed as revoked): reconnect with the new one, keeping what was read.
      if (viewer && sessionToken !== this.sessionToken) {
        this.stopRealtime();
        this.startRealtime();
      }
      return;
    }
    this.stopRealtime();
    // Another user's (or a signed-out) view must not show: forget what the previous viewer read. Not
    // on the first sign-in, where a clear would only race the first queries.
    if (this.viewer !== null) void this.apollo.clearStore();
    this.presence.clear();
    this.viewer = viewer;
    if (viewer) this.startRealtime();
  }

  private startRealtime(): void {
    this.sessionToken = this.session.sessionToken;
    const wsUrl = this.options.wsUrl ?? this.options.httpUrl.replace(/^http/, 'ws');
    this.connection.update('connecting');
    const client = createGoChatClient({
      url: wsUrl,
      token: () => this.session.freshJwt(),
      presence: { status: this.options.presence ?? 'ONLINE' },
      ...(this.options.webSocketImpl ? { webSocketImpl: this.options.webSocketImpl } : {}),
      onConnected: () => this.connection.update('online'),
      onClosed: () => {
        if (this.realtime === client) this.connection.update('reconnecting');
      },
      // Only the current connection's end ends the session: a replaced one's close is expected.
      onSessionEnded: (reason) => {
        if (this.realtime === client) this.session.end(reason);
      },
    });
    this.realtime = client;
    const context = {
      apollo: this.apollo,
      viewerId: () => this.viewer,
      messages: this.messages,
      typing: this.typing,
      presence: this.presence,
      voice: this.voice,
    };
    // Screens query over HTTP as soon as the user is signed in, but the feed is live only from its
    // `Subscribed` event: whatever happened in between reached neither. The first `Subscribed` (and the
    // first after a resync, which also starts live) reads the screens again; a resume from a cursor has
    // no gap and reads nothing.
    let live = false;
    this.stopFeed = client.subscribe(
      ViewerFeedDocument,
      {},
      {
        next: ({ viewerFeed }) => {
          if (viewerFeed.type !== 'Subscribed') return applyFeedEvent(context, viewerFeed);
          if (live) return;
          live = true;
          this.refetchScreens();
        },
        // The cursor was too old: what the feed would have said is read again once it is live.
        resync: () => {
          live = false;
        },
      },
    );
  }

  /**
   * Reads every active query again. Each query shows its own result or error on its screen; the
   * combined promise only repeats them (or says a closed screen's refetch was aborted), and left
   * unhandled it would surface as an uncaught error in the page.
   */
  private refetchScreens(): void {
    this.apollo.refetchObservableQueries().catch(() => undefined);
  }

  private stopRealtime(): void {
    this.stopFeed?.();
    this.stopFeed = null;
    const client = this.realtime;
    this.realtime = null;
    if (client) void client.dispose();
    this.connection.update('offline');
  }
}

/** The `sub` claim of a JWT, without verifying it: the server verifies; the client only needs its id. */
export function subjectOf(jwt: string): string | null {
  try {
    const payload = jwt.split('.')[1];
    if (!payload) return null;
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}
