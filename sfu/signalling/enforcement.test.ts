import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEVICE_RTP_CAPABILITIES } from '../protocol/fixtures.ts';
import type { ProducerSource } from '../protocol/messages.ts';
import { AUDIO_OVERHEAD_BPS } from './policy.ts';
import { SIGNAL_CLOSE } from './server.ts';
import { produceData, SignallingHarness } from './testing/harness.ts';

const VIDEO_ALLOWANCE = 1_000_000;

/**
 * The rights in the voice token, enforced by the signalling endpoint over a real socket with real
 * tokens, in front of the in-memory engine (which shows what reached the media).
 */
describe('sfu signalling: rights enforced', () => {
  let h: SignallingHarness;

  beforeAll(async () => {
    h = await SignallingHarness.start({ videoBitrateAllowance: VIDEO_ALLOWANCE });
  });

  afterAll(async () => {
    await h.close();
  });

  it('refuses a join past the user limit with LIMIT, keeps the socket, and lets MOVE_MEMBERS in', async () => {
    const limit = { userLimit: 2 };
    const ann = await h.joined('ann', 'limit-room', limit);
    const bob = await h.joined('bob', 'limit-room', limit);
    const cid = await h.authenticated('cid', 'limit-room', limit);
    const refused = await cid.call('join', { rtpCapabilities: DEVICE_RTP_CAPABILITIES });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'LIMIT', message: 'the voice channel is full' },
    });
    expect(h.signalling.rooms()['limit-room']).toEqual(['ann', 'bob']);

    const mod = await h.joined('mod', 'limit-room', { ...limit, bypassUserLimit: true });
    expect(h.signalling.rooms()['limit-room']).toEqual(['ann', 'bob', 'mod']);

    expect(cid.socket.readyState).toBe(cid.socket.OPEN);
    for (const peer of [ann, bob, mod, cid]) peer.socket.close();
  });

  it('lets a refused peer join once a place is free', async () => {
    const limit = { userLimit: 1 };
    const ann = await h.joined('ann', 'one-room', limit);
    const bob = await h.authenticated('bob', 'one-room', limit);
    expect(await bob.refused('join', { rtpCapabilities: DEVICE_RTP_CAPABILITIES })).toBe('LIMIT');
    await ann.ok('leave');
    await bob.ok('join', { rtpCapabilities: DEVICE_RTP_CAPABILITIES });
    expect(h.signalling.rooms()['one-room']).toEqual(['bob']);
    bob.socket.close();
    await expect.poll(() => h.signalling.rooms()['one-room']).toBeUndefined();
  });

  it("replaces a user's session with their new one, even in a full room", async () => {
    const limit = { userLimit: 2 };
    const first = await h.producing('ann', 'replace-room', ['mic'], limit);
    const bob = await h.joined('bob', 'replace-room', limit);
    const second = await h.joined('ann', 'replace-room', limit);

    expect(await first.notification('kicked')).toEqual({ reason: 'replaced' });
    expect(await first.closed).toMatchObject({ code: SIGNAL_CLOSE.kicked });
    // The newcomer sees bob, not its own old session.
    expect(second.joinAnswer).toEqual({ peers: [{ peerId: bob.peerId, userId: 'bob' }], producers: [] });
    await bob.notification('peerJoined', (d) => d.peerId === second.peerId);
    const order = bob.notifications.map((n) => `${n.name}:${String(n.data.peerId ?? n.data.producerId)}`);
    expect(order.slice(-3)).toEqual([
      `producerClosed:${first.producers.mic}`,
      `peerLeft:${first.peerId}`,
      `peerJoined:${second.peerId}`,
    ]);
    expect(h.signalling.rooms()['replace-room']).toEqual(['ann', 'bob']);
    await expect
      .poll(() => h.engine.heldBy(first.peerId))
      .toEqual({ transports: 0, producers: 0, consumers: 0 });
    for (const peer of [bob, second]) peer.socket.close();
  });

  it.each<[string, Record<string, boolean>, ProducerSource[], ProducerSource[]]>([
    ['no SPEAK', { speak: false }, ['camera', 'screen', 'screen-audio'], ['mic']],
    ['no STREAM', { stream: false }, ['mic'], ['camera', 'screen', 'screen-audio']],
    ['a server mute in the token', { serverMute: true }, ['camera', 'screen'], ['mic', 'screen-audio']],
    ['a server deafen in the token', { serverDeaf: true }, ['camera', 'screen'], ['mic', 'screen-audio']],
  ])(
    'with %s, refuses the sources it forbids with FORBIDDEN before the engine',
    async (name, rights, allowed, refused) => {
      const peer = await h.joined(`user-${name}`, `rights-${name}`, rights);
      const { id: sendId } = await peer.ok('createTransport', { direction: 'send' });
      for (const source of refused) {
        expect(await peer.refused('produce', produceData(sendId as string, source)), source).toBe(
          'FORBIDDEN',
        );
        // Paused or not: the right is to send at all.
        expect(await peer.refused('produce', produceData(sendId as string, source, true)), source).toBe(
          'FORBIDDEN',
        );
      }
      expect(h.engine.heldBy(peer.peerId).producers).toBe(0);
      for (const source of allowed) await peer.ok('produce', produceData(sendId as string, source));
      expect(h.engine.heldBy(peer.peerId).producers).toBe(allowed.length);
      peer.socket.close();
    },
  );

  it('caps the send transport at the channel bitrate, and adds the video allowance while video is sent', async () => {
    const peer = await h.joined('ann', 'bitrate-room', { bitrate: 96_000 });
    const audioCap = 96_000 + AUDIO_OVERHEAD_BPS;
    const { id: sendId } = await peer.ok('createTransport', { direction: 'send' });
    const { id: recvId } = await peer.ok('createTransport', { direction: 'recv' });
    const cap = () => h.engine.transports.get(sendId as string)!.maxIncomingBitrate;
    expect(cap()).toBe(audioCap);
    expect(h.engine.transports.get(recvId as string)!.maxIncomingBitrate).toBeUndefined();

    await peer.ok('produce', produceData(sendId as string, 'mic'));
    expect(cap()).toBe(audioCap);
    const { producerId: camera } = await peer.ok('produce', produceData(sendId as string, 'camera'));
    expect(cap()).toBe(audioCap + VIDEO_ALLOWANCE);
    const { producerId: screen } = await peer.ok('produce', produceData(sendId as string, 'screen'));
    expect(cap()).toBe(audioCap + 2 * VIDEO_ALLOWANCE);
    await peer.ok('closeProducer', { producerId: camera });
    await peer.ok('closeProducer', { producerId: screen });
    expect(cap()).toBe(audioCap);
    peer.socket.close();
  });

  it('caps a send transport of the lowest channel bitrate at that bitrate and its overhead', async () => {
    const peer = await h.joined('ann', 'bitrate-room-2', { bitrate: 8000 });
    const { id: sendId } = await peer.ok('createTransport', { direction: 'send' });
    expect(h.engine.transports.get(sendId as string)!.maxIncomingBitrate).toBe(8000 + AUDIO_OVERHEAD_BPS);
    peer.socket.close();
  });
});
