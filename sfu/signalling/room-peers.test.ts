import { describe, expect, it } from 'vitest';

import { RoomPeers, type PeerEntry } from './room-peers.ts';

/** A peer whose socket is a list of the notifications it received. */
function peer(peerId: string, userId = `user-${peerId}`): PeerEntry & { received: unknown[] } {
  const received: unknown[] = [];
  return {
    peerId,
    userId,
    producers: new Map(),
    send: (frame) => received.push(JSON.parse(frame)),
    received,
  };
}

describe('RoomPeers', () => {
  it('tells the others who joined, and gives the newcomer the room as it was', () => {
    const peers = new RoomPeers();
    const ann = peer('a');
    ann.producers.set('p-a', { kind: 'audio', source: 'mic', paused: true });
    peers.add('room', ann);
    const bob = peer('b');
    expect(peers.snapshot('room', 'b')).toEqual({
      peers: [{ peerId: 'a', userId: 'user-a' }],
      producers: [{ producerId: 'p-a', peerId: 'a', kind: 'audio', source: 'mic', paused: true }],
    });
    peers.add('room', bob);
    expect(ann.received).toEqual([{ notification: 'peerJoined', data: { peerId: 'b', userId: 'user-b' } }]);
    expect(bob.received).toEqual([]);
    expect(peers.size('room')).toBe(2);
  });

  it('keeps rooms apart: notifications and producers of one room never reach another', () => {
    const peers = new RoomPeers();
    const inA = peer('a');
    const inB = peer('b');
    peers.add('room-a', inA);
    peers.add('room-b', inB);
    inB.producers.set('p-b', { kind: 'video', source: 'camera', paused: false });
    peers.broadcast('room-b', 'newProducer', {
      producerId: 'p-b',
      peerId: 'b',
      kind: 'video',
      source: 'camera',
    });
    expect(inA.received).toEqual([]);
    expect(peers.hasProducer('room-a', 'p-b')).toBe(false);
    expect(peers.hasProducer('room-b', 'p-b')).toBe(true);
  });

  it("broadcasts to everyone but the sender, and on leave closes the leaver's producers for the others", () => {
    const peers = new RoomPeers();
    const [a, b, c] = [peer('a'), peer('b'), peer('c')];
    for (const p of [a, b, c]) peers.add('room', p);
    a.received.length = b.received.length = c.received.length = 0;
    peers.broadcast('room', 'activeSpeaker', { peerId: 'a' }, 'a');
    expect(a.received).toEqual([]);
    expect(b.received).toEqual([{ notification: 'activeSpeaker', data: { peerId: 'a' } }]);

    c.producers.set('p-c', { kind: 'audio', source: 'mic', paused: false });
    peers.remove('room', 'c');
    expect(a.received.slice(-2)).toEqual([
      { notification: 'producerClosed', data: { producerId: 'p-c' } },
      { notification: 'peerLeft', data: { peerId: 'c' } },
    ]);
    // The leaver hears nothing of its own leaving.
    expect(c.received).toEqual([{ notification: 'activeSpeaker', data: { peerId: 'a' } }]);
    expect(peers.hasProducer('room', 'p-c')).toBe(false);
  });

  it("knows each room's users, finds a user's peer, and counts peers across rooms", () => {
    const peers = new RoomPeers();
    peers.add('room-a', peer('a1', 'ann'));
    peers.add('room-a', peer('a2', 'bob'));
    peers.add('room-b', peer('b1', 'ann'));
    expect(peers.users('room-a')).toEqual(new Set(['ann', 'bob']));
    expect(peers.users('room-c')).toEqual(new Set());
    expect(peers.peerOfUser('room-a', 'bob')?.peerId).toBe('a2');
    expect(peers.peerOfUser('room-b', 'bob')).toBeUndefined();
    expect(peers.count()).toBe(3);
    expect(peers.usersByRoom()).toEqual({ 'room-a': ['ann', 'bob'], 'room-b': ['ann'] });
    peers.remove('room-b', 'b1');
    expect(peers.usersByRoom()).toEqual({ 'room-a': ['ann', 'bob'] });
  });

  it('forgets an empty room, and ignores a second removal', () => {
    const peers = new RoomPeers();
    const a = peer('a');
    peers.add('room', a);
    peers.remove('room', 'a');
    peers.remove('room', 'a');
    expect(peers.size('room')).toBe(0);
    expect(peers.snapshot('room', 'x')).toEqual({ peers: [], producers: [] });
  });
});
