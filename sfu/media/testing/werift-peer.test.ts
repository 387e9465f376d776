import { afterEach, describe, expect, it } from 'vitest';

import type { MediaRoom, MediaRooms, TransportOptions } from '../../signalling/media.ts';
import { BookkeepingRooms } from '../../signalling/testing/bookkeeping-rooms.ts';
import { SignallingHarness } from '../../signalling/testing/harness.ts';
import { IceLiteEndpoint, STAND_IN_ROUTER_CAPABILITIES } from './ice-lite-endpoint.ts';
import { SignalRequestError, WeriftPeer } from './werift-peer.ts';

// WeriftPeer through the real signalling endpoint over a real socket, here where no mediasoup runs:
// the harness's in-memory engine keeps the books, and each transport it hands out is an ICE-lite
// werift endpoint standing in for mediasoup's (ice-lite-endpoint.ts). The stand-ins do not forward
// between peers (that is the SFU's part, media-flow.int.test.ts): a send transport's endpoint counts
// what the client sends, a receive transport's endpoint plays the consumer's stream.

/** The in-memory engine with stand-in transports: their parameters, and their consumer parameters. */
class StandInRooms implements MediaRooms {
  readonly endpoints = new Map<string, IceLiteEndpoint>();

  constructor(readonly book: BookkeepingRooms) {}

  async open(roomId: string): Promise<MediaRoom> {
    const inner = await this.book.open(roomId);
    const endpoints = this.endpoints;
    return {
      roomId,
      rtpCapabilities: STAND_IN_ROUTER_CAPABILITIES,
      async createTransport(peerId, direction, options): Promise<TransportOptions> {
        const { id } = await inner.createTransport(peerId, direction, options);
        const endpoint =
          direction === 'send' ? await IceLiteEndpoint.receiver() : await IceLiteEndpoint.sender(1);
        endpoints.set(id, endpoint);
        const { iceParameters, iceCandidates, dtlsParameters } = endpoint.parameters;
        return { id, iceParameters, iceCandidates, dtlsParameters };
      },
      setMaxIncomingBitrate: (transportId, bitrate) => inner.setMaxIncomingBitrate(transportId, bitrate),
      async connectTransport(transportId, dtlsParameters) {
        await inner.connectTransport(transportId, dtlsParameters);
        await endpoints.get(transportId)!.connect(dtlsParameters as never);
      },
      restartIce: (transportId) => inner.restartIce(transportId),
      produce: (input) => inner.produce(input),
      setProducerPaused: (producerId, paused) => inner.setProducerPaused(producerId, paused),
      closeProducer: (producerId) => inner.closeProducer(producerId),
      async consume(input) {
        const consumer = await inner.consume(input);
        if (!consumer) return undefined;
        return { ...consumer, rtpParameters: endpoints.get(input.transportId)!.consumers[0]!.rtpParameters };
      },
      setConsumerPaused: (consumerId, paused) => inner.setConsumerPaused(consumerId, paused),
      closePeer: (peerId) => inner.closePeer(peerId),
    };
  }
}

let harness: SignallingHarness | undefined;
let rooms: StandInRooms | undefined;
const peers: WeriftPeer[] = [];

afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
  await Promise.all([...(rooms?.endpoints.values() ?? [])].map((endpoint) => endpoint.close()));
  await harness?.close();
});

async function start() {
  const book = new BookkeepingRooms(() => harness!.signalling.mediaEvents);
  rooms = new StandInRooms(book);
  harness = await SignallingHarness.start({ rooms });
  return { harness, book, rooms };
}

async function peer(): Promise<WeriftPeer> {
  const made = WeriftPeer.attach(await harness!.connect(), { hostAddresses: ['127.0.0.1'] });
  peers.push(made);
  return made;
}

describe('the werift voice client over the signalling endpoint', () => {
  it('authenticates, joins, sends Opus on a send transport and receives a consumer on a receive transport', async () => {
    const { harness, book, rooms } = await start();
    const ann = await peer();
    const bob = await peer();
    await ann.enter((await harness.token('ann', 'room-1')).token);
    const joined = await bob.enter((await harness.token('bob', 'room-1')).token);
    expect(joined.peers).toEqual([{ peerId: ann.peerId, userId: 'ann' }]);

    const mic = await ann.produceOpus();
    const annSend = rooms.endpoints.get(ann.sendTransport!.parameters.id)!;
    // The stand-in reads the client's offer (mediasoup needs only connectTransport and produce).
    await annSend.accept(ann.sendTransport!.pc.localDescription!);
    expect(book.producers.get(mic.producerId)).toMatchObject({ kind: 'audio', source: 'mic', paused: false });
    expect(annSend.connected).toMatchObject({ role: 'client' });
    await expect.poll(() => annSend.received.length, { timeout: 10_000 }).toBeGreaterThan(20);
    expect(annSend.received.at(-1)!.header.ssrc).toBe(mic.rtpParameters.encodings![0]!.ssrc);

    const stream = await bob.consume(mic.producerId);
    const [consumerId] = bob.consumers.keys();
    expect(book.consumers.get(consumerId!)).toMatchObject({ producerId: mic.producerId, paused: false });
    const bobRecv = rooms.endpoints.get(bob.recvTransport!.parameters.id)!;
    await bobRecv.accept(bob.recvTransport!.pc.localDescription!);
    bobRecv.consumers[0]!.generator.start();
    await stream.waitFor(20, 10_000);

    await ann.pauseProducer(mic.producerId);
    expect(book.producers.get(mic.producerId)!.paused).toBe(true);
    await ann.resumeProducer(mic.producerId);
    expect(await ann.leave()).toMatchObject({ code: 1000 });
    expect(book.heldBy(ann.peerId!)).toEqual({ transports: 0, producers: 0, consumers: 0 });
  });

  it("answers refusals with the SFU's code", async () => {
    const { harness } = await start();
    const mute = await peer();
    await mute.enter((await harness.token('carol', 'room-2', { speak: false })).token);
    await expect(mute.produceOpus()).rejects.toMatchObject({ name: 'SignalRequestError', code: 'FORBIDDEN' });
    expect(mute.producers.size).toBe(0);

    const early = await peer();
    const refused = await early.request('getRouterRtpCapabilities').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SignalRequestError);
    expect(refused).toMatchObject({ method: 'getRouterRtpCapabilities', code: 'UNAUTHENTICATED' });
    expect((await early.closed).code).toBe(4401);
  });
});
