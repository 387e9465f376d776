import { randomUUID } from 'node:crypto';

import { createMemoryBus } from '@gochat/bus';
import { newEvent, subjects, type VoiceNodeCommandPayload } from '@gochat/events';
import { silentLogger } from '@gochat/log';
import { Recorder } from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { linkNodeToBus, type NodeLink } from './node-link.ts';
import { SIGNAL_CLOSE } from './signalling/server.ts';
import { SignallingHarness } from './signalling/testing/harness.ts';

/**
 * The node's side of the bus, on the embedded bus and a signalling server with the in-memory engine:
 * the API's orders reach the peers they name, and the peers' comings and goings reach the API.
 */
describe('sfu node link', () => {
  const bus = createMemoryBus({ log: silentLogger });
  const reports = new Recorder();
  let h: SignallingHarness;
  let link: NodeLink;

  beforeAll(async () => {
    bus.subscribe(subjects.voicePeers('node-t'), reports.handler);
    h = await SignallingHarness.start({ onPeer: (peer) => link.report(peer) });
    link = linkNodeToBus({ bus, nodeId: 'node-t', signalling: () => h.signalling, log: silentLogger });
  });
  afterAll(async () => {
    await link.close();
    await h.close();
    await bus.drain();
  });

  const order = (command: VoiceNodeCommandPayload) =>
    bus.publish({
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      ...newEvent('VoiceNodeCommand', subjects.voiceNode(command.nodeId), command),
    });

  it('reports a joined peer, then its leaving, with the session of its token', async () => {
    const ann = await h.joined('ann', 'room-1');
    await reports.until((e) => e.length >= 1, 'the join report');
    expect(reports.events[0]?.data).toEqual({
      nodeId: 'node-t',
      userId: 'ann',
      channelId: 'room-1',
      sessionId: ann.sessionId,
      connected: true,
    });
    await ann.ok('leave');
    await reports.until((e) => e.length >= 2, 'the leave report');
    expect(reports.events[1]?.data).toMatchObject({
      userId: 'ann',
      sessionId: ann.sessionId,
      connected: false,
    });
  });

  it('carries out the API’s orders: a server mute, then a disconnect', async () => {
    const bob = await h.joined('bob', 'room-2');
    await order({
      command: 'moderate',
      nodeId: 'node-t',
      channelId: 'room-2',
      userId: 'bob',
      serverMute: true,
      serverDeaf: false,
    });
    expect(await bob.notification('serverMute')).toMatchObject({ muted: true });
    await order({
      command: 'disconnect',
      nodeId: 'node-t',
      channelId: 'room-2',
      userId: 'bob',
      reason: 'moderator',
    });
    expect(await bob.notification('kicked')).toMatchObject({ reason: 'disconnected' });
    expect((await bob.closed).code).toBe(SIGNAL_CLOSE.kicked);
  });

  it('closes a room whose channel is gone, every peer in it', async () => {
    const dan = await h.joined('dan', 'room-5');
    const eve = await h.joined('eve', 'room-5');
    await order({ command: 'close', nodeId: 'node-t', channelId: 'room-5' });
    for (const peer of [dan, eve]) {
      expect(await peer.notification('kicked')).toMatchObject({ reason: 'room-closed' });
      expect((await peer.closed).code).toBe(SIGNAL_CLOSE.kicked);
    }
  });

  it('ignores orders for another node', async () => {
    const cat = await h.joined('cat', 'room-3');
    await order({
      command: 'disconnect',
      nodeId: 'node-other',
      channelId: 'room-3',
      userId: 'cat',
      reason: 'moderator',
    });
    // An order for this node after it: once it lands, the other one would have landed first.
    await order({
      command: 'move',
      nodeId: 'node-t',
      channelId: 'room-3',
      userId: 'cat',
      targetChannelId: 'room-4',
    });
    expect(await cat.notification('moved')).toEqual({ channelId: 'room-4' });
    expect(cat.seen('kicked')).toEqual([]);
  });
});
