import type { NotificationName, Notifications, ProducerSource } from '../protocol/messages.ts';
import { notificationFrame } from '../protocol/frames.ts';

export interface PeerEntry {
  peerId: string;
  userId: string;
  /** Sends a frame to the peer's socket (dropped when it is closed). */
  send(frame: string): void;
  producers: Map<string, { kind: 'audio' | 'video'; source: ProducerSource; paused: boolean }>;
}

/**
 * Who is in which room on this node, and what they produce: what `join` answers and what the
 * notifications tell the others. Signalling bookkeeping only; the media lives in the MediaRoom.
 */
export class RoomPeers {
  private readonly rooms = new Map<string, Map<string, PeerEntry>>();

  add(roomId: string, peer: PeerEntry): void {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new Map<string, PeerEntry>()));
    this.broadcast(roomId, 'peerJoined', { peerId: peer.peerId, userId: peer.userId });
    room.set(peer.peerId, peer);
  }

  /** The room as a newcomer sees it: the others, and their producers. */
  snapshot(roomId: string, exceptPeerId: string) {
    const others = [...(this.rooms.get(roomId)?.values() ?? [])].filter((p) => p.peerId !== exceptPeerId);
    return {
      peers: others.map(({ peerId, userId }) => ({ peerId, userId })),
      producers: others.flatMap((p) =>
        [...p.producers].map(([producerId, { kind, source, paused }]) => ({
          producerId,
          peerId: p.peerId,
          kind,
          source,
          paused,
        })),
      ),
    };
  }

  /** Whether the producer belongs to a peer of this room (a consumer may only take those). */
  hasProducer(roomId: string, producerId: string): boolean {
    for (const peer of this.rooms.get(roomId)?.values() ?? [])
      if (peer.producers.has(producerId)) return true;
    return false;
  }

  remove(roomId: string, peerId: string): void {
    const room = this.rooms.get(roomId);
    const peer = room?.get(peerId);
    if (!room || !peer) return;
    room.delete(peerId);
    for (const producerId of peer.producers.keys()) this.broadcast(roomId, 'producerClosed', { producerId });
    this.broadcast(roomId, 'peerLeft', { peerId });
    if (room.size === 0) this.rooms.delete(roomId);
  }

  size(roomId: string): number {
    return this.rooms.get(roomId)?.size ?? 0;
  }

  /** The users in the room, each once. */
  users(roomId: string): Set<string> {
    return new Set([...(this.rooms.get(roomId)?.values() ?? [])].map((peer) => peer.userId));
  }

  /** The user's peer in the room, if any (a user has at most one: a new join replaces the old). */
  peerOfUser(roomId: string, userId: string): PeerEntry | undefined {
    for (const peer of this.rooms.get(roomId)?.values() ?? []) if (peer.userId === userId) return peer;
    return undefined;
  }

  /** Peers in all rooms. */
  count(): number {
    let count = 0;
    for (const room of this.rooms.values()) count += room.size;
    return count;
  }

  /** Every room and its users, sorted, for tests and metrics. */
  usersByRoom(): Record<string, string[]> {
    return Object.fromEntries(
      [...this.rooms.keys()].map((roomId) => [roomId, [...this.users(roomId)].sort()]),
    );
  }

  /** Tells every peer of the room but `exceptPeerId`. */
  broadcast<N extends NotificationName>(
    roomId: string,
    name: N,
    data: Notifications[N],
    exceptPeerId?: string,
  ): void {
    const frame = notificationFrame(name, data);
    for (const peer of this.rooms.get(roomId)?.values() ?? [])
      if (peer.peerId !== exceptPeerId) peer.send(frame);
  }
}
