/** One SFU node as it announces itself: where voice clients reach it, its region and its load. */
export interface SfuNode {
  id: string;
  region: string;
  /** The node's public signalling URL (wss://…). */
  url: string;
  /** Consumers (or any comparable figure) the node carries now; placement prefers the least loaded. */
  load: number;
  version: string;
}

/** A node's presence in the directory while it lives; closing it removes the node. */
export interface NodeRegistration {
  /** The lease the node's key (and its rooms' bindings) live on now. */
  leaseId(): string;
  /** Announces a new load; written on the current lease. */
  setLoad(load: number): Promise<void>;
  /** Revokes the lease: the node's key and its rooms' bindings go at once. */
  close(): Promise<void>;
}

export type NodeEvent = { type: 'up' | 'updated' | 'down'; node: SfuNode };

/**
 * Where voice rooms run. The API asks it to place a room (a voice channel) on a node; the binding is
 * sticky, so every member of the room lands on the same node until the room is released or its node
 * dies. Two implementations share one contract: a static list from config (embedded) and etcd,
 * where nodes register themselves under leases.
 */
export interface NodeDirectory {
  readonly kind: 'static' | 'etcd';
  /** The live nodes, from the cache (no round trip). */
  nodes(): SfuNode[];
  /** The regions rooms can be placed in: those of live nodes and the default. */
  regions(): string[];
  /**
   * The node of the room: its current binding when that node is alive, else the least loaded node of
   * `region` (the default region when unset or empty of nodes, then any), bound if absent. Concurrent
   * calls for one room agree. Throws NoSfuNodeError when no node is alive.
   */
  place(roomId: string, region?: string | null): Promise<SfuNode>;
  /** The room's node when it is bound to a live one; never binds. */
  boundNode(roomId: string): Promise<SfuNode | undefined>;
  /** Forgets the room's binding (its last member left), only while it still names `nodeId`. */
  release(roomId: string, nodeId: string): Promise<void>;
  /**
   * Announces a node (an SFU registering itself): listed while the registration lives. etcd: under a
   * lease kept alive, registered again when lost; static: in this process (the embedded SFU).
   */
  register(node: Omit<SfuNode, 'load'>): Promise<NodeRegistration>;
  /** Calls the listener as nodes come, change and go; returns the unsubscribe. */
  onChange(listener: (event: NodeEvent) => void): () => void;
  /** Throws when the backing store cannot answer (for /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class NoSfuNodeError extends Error {
  constructor() {
    super('no voice server is available');
    this.name = 'NoSfuNodeError';
  }
}
