import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { DEVICE_RTP_CAPABILITIES } from '../protocol/fixtures.ts';
import { SIGNAL_CLOSE } from './server.ts';
import { produceData, SignallingHarness } from './testing/harness.ts';

const GRACE_MS = 20;

/**
 * The control surface the SFU role drives from the bus (disconnect, move, migrate), what the server
 * reports through onPeer, and what a closed peer leaves in the engine: nothing.
 */
describe('sfu signalling: control surface', () => {
  let h: SignallingHarness;

  beforeAll(async () => {
    h = await SignallingHarness.start({ migrateGraceMs: GRACE_MS });
  });

  afterEach(async () => {
    // Every test closes its peers; the next one starts from an empty node.
    await expect.poll(() => h.signalling.connections()).toBe(0);
    expect(h.engine.counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
  });

  afterAll(async () => {
    await h.close();
  });

  it('disconnect tells the peer why, closes it with 4000 and releases its media', async () => {
    const ann = await h.producing('ann', 'kick-room', ['mic']);
    const bob = await h.joined('bob', 'kick-room');
    await h.consuming(bob, [ann.producers.mic!]);

    expect(await h.signalling.disconnect('kick-room', 'ann', 'disconnected')).toBe(true);
    // Resolved once released: the engine holds nothing of ann's any more, nor bob's consumer of her.
    expect(h.engine.heldBy(ann.peerId)).toEqual({ transports: 0, producers: 0, consumers: 0 });
    expect(h.engine.heldBy(bob.peerId).consumers).toBe(0);
    // The notification comes first, then the close.
    expect(await ann.closed).toMatchObject({ code: SIGNAL_CLOSE.kicked });
    expect(ann.seen('kicked')).toEqual([{ reason: 'disconnected' }]);
    await bob.notification('peerLeft', (d) => d.peerId === ann.peerId);
    expect(await bob.notification('consumerClosed')).toBeDefined();
    expect(h.signalling.rooms()).toEqual({ 'kick-room': ['bob'] });

    expect(await h.signalling.disconnect('kick-room', 'ann', 'disconnected')).toBe(false);
    await expect(h.signalling.disconnect('kick-room', 'bob', 'bored' as never)).rejects.toThrow(TypeError);
    bob.socket.close();
  });

  it('move tells the peer the channel to join through the API, no token, then closes it with 4001', async () => {
    const ann = await h.joined('ann', 'move-room');
    expect(await h.signalling.move('move-room', 'ann', 'target-channel')).toBe(true);
    expect(await ann.closed).toMatchObject({ code: SIGNAL_CLOSE.moved });
    expect(ann.notifications).toEqual([{ name: 'moved', data: { channelId: 'target-channel' } }]);
    expect(await h.signalling.move('move-room', 'ann', 'target-channel')).toBe(false);
    await expect(h.signalling.move('move-room', 'ann', '')).rejects.toThrow(TypeError);
  });

  it("migrate tells each of the room's peers to rejoin within the window, then closes them with 4002", async () => {
    // Wide enough for a peer to join during it, even on a loaded machine.
    const WITHIN_MS = 300;
    const ann = await h.joined('ann', 'migrating-room');
    const bob = await h.authenticated('bob', 'migrating-room');
    const elsewhere = await h.joined('cid', 'staying-room');

    expect(h.signalling.migrate('migrating-room', WITHIN_MS)).toBe(2);
    for (const peer of [ann, bob]) {
      const { afterMs } = await peer.notification('rejoin');
      expect(Number.isInteger(afterMs) && (afterMs as number) >= 0 && (afterMs as number) <= WITHIN_MS).toBe(
        true,
      );
    }
    // Someone who arrives during the window is told to rejoin at once when the room closes.
    const late = await h.joined('dan', 'migrating-room');
    for (const peer of [ann, bob, late]) expect((await peer.closed).code).toBe(SIGNAL_CLOSE.migrating);
    expect(late.seen('rejoin')).toEqual([{ afterMs: 0 }]);
    expect(ann.seen('rejoin')).toHaveLength(1);
    expect(elsewhere.notifications).toEqual([]);
    expect(elsewhere.socket.readyState).toBe(elsewhere.socket.OPEN);
    expect(h.signalling.rooms()).toEqual({ 'staying-room': ['cid'] });
    expect(() => h.signalling.migrate('x', -1)).toThrow(TypeError);
    expect(() => h.signalling.migrate('x', 1.5)).toThrow(TypeError);
    elsewhere.socket.close();
  });

  it('reports each joined peer connected once and disconnected once, and nothing for a peer that never joined', async () => {
    h.reports.length = 0;
    const ann = await h.joined('ann', 'report-room');
    const annAgain = await h.joined('ann', 'report-room');
    await ann.closed;
    const bob = await h.joined('bob', 'report-room');
    const onlyAuthenticated = await h.authenticated('cid', 'report-room');
    const refused = await h.authenticated('dan', 'report-room', { userLimit: 2 });
    expect(await refused.refused('join', { rtpCapabilities: DEVICE_RTP_CAPABILITIES })).toBe('LIMIT');
    const neverAuthenticated = await h.connect();

    await bob.ok('leave');
    expect(await bob.closed).toMatchObject({ code: SIGNAL_CLOSE.left });
    for (const peer of [annAgain, onlyAuthenticated, refused, neverAuthenticated]) peer.socket.close();
    await expect.poll(() => h.signalling.connections()).toBe(0);

    const report = (who: { sessionId: string }, userId: string, connected: boolean) => ({
      userId,
      channelId: 'report-room',
      guildId: 'guild-1',
      sessionId: who.sessionId,
      connected,
    });
    // The replaced session is reported gone before its successor is reported in.
    expect(h.reports).toEqual([
      report(ann, 'ann', true),
      report(ann, 'ann', false),
      report(annAgain, 'ann', true),
      report(bob, 'bob', true),
      report(bob, 'bob', false),
      report(annAgain, 'ann', false),
    ]);
  });

  it('a peer whose socket drops leaves no transport, producer or consumer in the engine', async () => {
    const ann = await h.producing('ann', 'drop-room', ['mic', 'camera', 'screen']);
    const bob = await h.producing('bob', 'drop-room', ['mic']);
    await h.consuming(ann, [bob.producers.mic!]);
    await h.consuming(bob, [ann.producers.mic!, ann.producers.camera!]);
    expect(h.engine.counts()).toEqual({ rooms: 1, transports: 4, producers: 4, consumers: 3 });
    expect(h.signalling.load()).toBe(2 + 3);

    ann.socket.terminate();
    await expect
      .poll(() => h.engine.counts())
      .toEqual({ rooms: 1, transports: 2, producers: 1, consumers: 0 });
    expect(h.engine.heldBy(ann.peerId)).toEqual({ transports: 0, producers: 0, consumers: 0 });
    await bob.notification('peerLeft');
    expect(bob.seen('consumerClosed')).toHaveLength(2);
    expect(h.signalling.load()).toBe(1);

    bob.socket.close();
    await expect
      .poll(() => h.engine.counts())
      .toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
    expect(h.signalling.load()).toBe(0);
    expect(h.signalling.rooms()).toEqual({});
  });

  it('a peer disconnected while its produce is under way announces nothing and leaves nothing', async () => {
    const ann = await h.joined('ann', 'race-room');
    const bob = await h.joined('bob', 'race-room');
    const { id: sendId } = await ann.ok('createTransport', { direction: 'send' });
    let finish!: () => void;
    h.engine.producing = new Promise<void>((resolve) => (finish = resolve));
    // Its answer never comes: the socket is closed first.
    void ann.call('produce', produceData(sendId as string, 'mic'));
    await expect.poll(() => h.engine.producesWaiting).toBe(1);

    const disconnected = h.signalling.disconnect('race-room', 'ann', 'disconnected');
    // Out of the room at once, though the engine is still busy with her request.
    await bob.notification('peerLeft', (d) => d.peerId === ann.peerId);
    expect(h.signalling.rooms()).toEqual({ 'race-room': ['bob'] });
    finish();
    h.engine.producing = undefined;
    expect(await disconnected).toBe(true);
    expect(h.engine.heldBy(ann.peerId)).toEqual({ transports: 0, producers: 0, consumers: 0 });
    expect((await ann.closed).code).toBe(SIGNAL_CLOSE.kicked);
    expect(bob.seen('newProducer')).toEqual([]);
    bob.socket.close();
  });
});

describe('sfu signalling: closing the server', () => {
  it('cancels a pending migration and closes every socket with 1001', async () => {
    const h = await SignallingHarness.start({ migrateGraceMs: 60_000 });
    const ann = await h.joined('ann', 'room');
    expect(h.signalling.migrate('room', 60_000)).toBe(1);
    await ann.notification('rejoin');
    await h.close();
    expect((await ann.closed).code).toBe(SIGNAL_CLOSE.shuttingDown);
    await expect.poll(() => h.reports.filter((r) => !r.connected)).toHaveLength(1);
  });
});
