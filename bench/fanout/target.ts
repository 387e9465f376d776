/** What bench:fanout needs from a fan-out server under test: GoChat (either mode) or the raw floor. */

export interface Counters {
  /** Feed payloads serialized (GoChat: gochat_router_feed_payloads_total; floor: events framed). */
  payloads: number;
  /** Gateway hydrations of subscription events (GoChat only; 0 for the floor). */
  hydrations: number;
  /** Frames handed to sockets, as the server counts them. */
  deliveries: number;
  connections: number;
  subscriptions: number;
  /** Bus subscriptions held by the server (GoChat: one per subject with local listeners). */
  busSubscriptions: number;
}

export interface Target {
  label: string;
  wsUrl: string;
  /** The process holding the subscriber sockets: router, monolith or floor. */
  socketPid(): number;
  /** The V8 inspector URL of that process (started with --inspect=127.0.0.1:0), to force a GC. */
  inspector(): string;
  /** The other server processes of this setup (subgraph roles), for CPU accounting. */
  otherPids(): number[];
  /** connection_init payload of the i-th subscriber connection. */
  init: (i: number) => Record<string, unknown>;
  subscription: { query: string; operationName: string; variables: Record<string, unknown> };
  senders: number;
  /** Issues one message through sender `sender`; resolves when the server accepted it. */
  send(sender: number, content: string): Promise<void>;
  counters(): Promise<Counters>;
  /** Real servers only: replaces the router with a fresh process (for a clean RSS baseline). */
  restartSocketServer?(): Promise<void>;
  stop(): Promise<void>;
}

/** The one document every GoChat subscriber sends: equal text and variables share one payload. */
export const CHANNEL_EVENTS = `subscription Fanout($channelId: ID!) {
  channelEvents(channelId: $channelId) { cursor type data }
}`;
