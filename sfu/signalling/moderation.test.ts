import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEVICE_RTP_CAPABILITIES } from '../protocol/fixtures.ts';
import { produceData, SignallingHarness } from './testing/harness.ts';

const MUTE = { serverMute: true, serverDeaf: false };
const DEAFEN = { serverMute: false, serverDeaf: true };
const LIFT = { serverMute: false, serverDeaf: false };

/** Server mute and deafen ordered through the control surface, applied at once over real sockets. */
describe('sfu signalling: moderation', () => {
  let h: SignallingHarness;

  beforeAll(async () => {
    h = await SignallingHarness.start();
  });

  afterAll(async () => {
    await h.close();
  });

  it('a server mute pauses the audio at the SFU at once, tells the room and the peer, and refuses a resume', async () => {
    const ann = await h.producing('ann', 'mute-room', ['mic', 'screen-audio', 'camera']);
    const bob = await h.joined('bob', 'mute-room');
    const { mic, camera } = ann.producers;
    const screenAudio = ann.producers['screen-audio'];

    expect(await h.signalling.moderate('mute-room', 'ann', MUTE)).toBe(true);
    // Resolved once applied: the engine's flags are already set.
    expect(h.engine.producers.get(mic!)!.paused).toBe(true);
    expect(h.engine.producers.get(screenAudio!)!.paused).toBe(true);
    expect(h.engine.producers.get(camera!)!.paused).toBe(false);
    expect(await ann.notification('serverMute')).toEqual({ muted: true });
    await bob.notification('producerPaused', (d) => d.producerId === screenAudio);
    expect(bob.seen('producerPaused')).toEqual([{ producerId: mic }, { producerId: screenAudio }]);

    expect(await ann.refused('resumeProducer', { producerId: mic })).toBe('FORBIDDEN');
    expect(h.engine.producers.get(mic!)!.paused).toBe(true);
    await ann.ok('pauseProducer', { producerId: mic });
    await ann.ok('closeProducer', { producerId: mic });
    expect(await ann.refused('produce', produceData(ann.sendId, 'mic'))).toBe('FORBIDDEN');
    await ann.ok('pauseProducer', { producerId: camera });
    await ann.ok('resumeProducer', { producerId: camera });

    // Lifted: the peer is told, and resumes its own producer.
    expect(await h.signalling.moderate('mute-room', 'ann', LIFT)).toBe(true);
    expect(await ann.notification('serverMute', (d) => d.muted === false)).toEqual({ muted: false });
    expect(h.engine.producers.get(screenAudio!)!.paused).toBe(true);
    await ann.ok('resumeProducer', { producerId: screenAudio });
    expect(h.engine.producers.get(screenAudio!)!.paused).toBe(false);
    expect(await bob.notification('producerResumed', (d) => d.producerId === screenAudio)).toBeDefined();
    await ann.ok('produce', produceData(ann.sendId, 'mic'));
    for (const peer of [ann, bob]) peer.socket.close();
  });

  it('a deafen holds every consumer paused at the SFU and mutes too; lifting it resumes what the client had resumed', async () => {
    const ann = await h.producing('ann', 'deaf-room', ['mic', 'camera']);
    const bob = await h.producing('bob', 'deaf-room', ['mic']);
    const [micConsumer, cameraConsumer] = await h.consuming(
      bob,
      [ann.producers.mic!, ann.producers.camera!],
      false,
    );
    await bob.ok('resumeConsumer', { consumerId: micConsumer });
    const paused = (id: string | undefined) => h.engine.consumers.get(id!)!.paused;
    expect([paused(micConsumer), paused(cameraConsumer)]).toEqual([false, true]);

    expect(await h.signalling.moderate('deaf-room', 'bob', DEAFEN)).toBe(true);
    expect([paused(micConsumer), paused(cameraConsumer)]).toEqual([true, true]);
    expect(h.engine.producers.get(bob.producers.mic!)!.paused).toBe(true);
    expect(await bob.notification('serverDeafen')).toEqual({ deafened: true });
    expect(await bob.notification('serverMute')).toEqual({ muted: true });
    await ann.notification('producerPaused', (d) => d.producerId === bob.producers.mic);

    // A resume while deafened is answered and remembered, but the consumer stays paused.
    await bob.ok('resumeConsumer', { consumerId: cameraConsumer });
    expect(paused(cameraConsumer)).toBe(true);
    expect(await bob.refused('resumeProducer', { producerId: bob.producers.mic })).toBe('FORBIDDEN');

    // A mute on top of the deafen changes nothing the peer hears of.
    await h.signalling.moderate('deaf-room', 'bob', { serverMute: true, serverDeaf: true });
    await h.signalling.moderate('deaf-room', 'bob', MUTE);
    expect(await bob.notification('serverDeafen', (d) => d.deafened === false)).toEqual({ deafened: false });
    expect([paused(micConsumer), paused(cameraConsumer)]).toEqual([false, false]);
    expect(await bob.refused('resumeProducer', { producerId: bob.producers.mic })).toBe('FORBIDDEN');
    // Frames arrive in order: after that answer, any notification sent before it is here.
    expect(bob.seen('serverMute')).toEqual([{ muted: true }]);
    expect(bob.seen('serverDeafen')).toEqual([{ deafened: true }, { deafened: false }]);

    await h.signalling.moderate('deaf-room', 'bob', LIFT);
    expect(await bob.notification('serverMute', (d) => d.muted === false)).toEqual({ muted: false });
    await bob.ok('resumeProducer', { producerId: bob.producers.mic });
    for (const peer of [ann, bob]) peer.socket.close();
  });

  it('a consumer made while deafened starts paused and stays so until the deafen is lifted', async () => {
    const ann = await h.producing('ann', 'deaf-room-2', ['mic']);
    const bob = await h.joined('bob', 'deaf-room-2', { serverDeaf: true });
    const [consumerId] = await h.consuming(bob, [ann.producers.mic!]);
    expect(h.engine.consumers.get(consumerId!)!.paused).toBe(true);
    await h.signalling.moderate('deaf-room-2', 'bob', LIFT);
    expect(h.engine.consumers.get(consumerId!)!.paused).toBe(false);
    expect(await bob.notification('serverDeafen')).toEqual({ deafened: false });
    for (const peer of [ann, bob]) peer.socket.close();
  });

  it('applies an order to a peer that has authenticated but not joined, so it joins moderated', async () => {
    const ann = await h.authenticated('ann', 'early-room');
    expect(await h.signalling.moderate('early-room', 'ann', MUTE)).toBe(true);
    expect(await ann.notification('serverMute')).toEqual({ muted: true });
    await ann.ok('join', { rtpCapabilities: DEVICE_RTP_CAPABILITIES });
    const { id } = await ann.ok('createTransport', { direction: 'send' });
    expect(await ann.refused('produce', produceData(id as string, 'mic'))).toBe('FORBIDDEN');
    ann.socket.close();
  });

  it('finds nobody for another user or another channel, and takes only booleans', async () => {
    const ann = await h.joined('ann', 'nobody-room');
    expect(await h.signalling.moderate('nobody-room', 'bob', MUTE)).toBe(false);
    expect(await h.signalling.moderate('other-room', 'ann', MUTE)).toBe(false);
    expect(ann.seen('serverMute')).toEqual([]);
    await expect(
      h.signalling.moderate('nobody-room', 'ann', { serverMute: 'yes', serverDeaf: false } as never),
    ).rejects.toThrow(TypeError);
    ann.socket.close();
  });
});
