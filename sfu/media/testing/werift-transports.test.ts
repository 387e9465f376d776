import { afterEach, describe, expect, it } from 'vitest';

import { IceLiteEndpoint, STAND_IN_ROUTER_CAPABILITIES } from './ice-lite-endpoint.ts';
import { parseSdp } from './sdp.ts';
import { OPUS_SILENCE_FRAME, WeriftRecvTransport, WeriftSendTransport } from './werift-transports.ts';

// The werift client's transports over loopback against an ICE-lite werift endpoint that stands in for
// a mediasoup WebRtcTransport (ice-lite-endpoint.ts): the SDP built from mediasoup-shaped parameters
// must get ICE, DTLS (the client as DTLS client), SRTP and RTP through. Runs without mediasoup.

const closing: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((item) => item.close()));
});

describe('the werift voice client against an ICE-lite DTLS server', () => {
  it("sends real Opus RTP with the producer's SSRC and payload type through the answer made from parameters", async () => {
    const endpoint = await IceLiteEndpoint.receiver();
    const send = new WeriftSendTransport(
      endpoint.parameters,
      STAND_IN_ROUTER_CAPABILITIES,
      endpoint.connect,
      {
        hostAddresses: ['127.0.0.1'],
      },
    );
    closing.push(endpoint, send);
    const { rtpParameters, generator } = await send.sendOpus();
    closing.push({ close: () => Promise.resolve(generator.stop()) });
    await endpoint.accept(send.pc.localDescription!);
    generator.start();
    await expect.poll(() => endpoint.received.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(25);

    // connectTransport got the offer's fingerprint, as the DTLS client; mediasoup would serve.
    const offer = parseSdp(send.pc.localDescription!.sdp);
    expect(endpoint.connected).toEqual({
      role: 'client',
      fingerprints: [offer.fingerprint ?? offer.media[0]!.fingerprint],
    });
    expect(send.pc.dtlsTransports.map((d) => d.role)).toEqual(['client']);
    expect(endpoint.pc.dtlsTransports.map((d) => d.role)).toEqual(['server']);

    const ssrc = rtpParameters.encodings![0]!.ssrc;
    const payloadType = rtpParameters.codecs[0]!.payloadType;
    expect(rtpParameters).toMatchObject({
      mid: '0',
      codecs: [{ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 }],
    });
    const packets = endpoint.received.slice(0, 20);
    for (const [i, packet] of packets.entries()) {
      expect(packet.header).toMatchObject({ ssrc, payloadType });
      expect(packet.payload).toEqual(OPUS_SILENCE_FRAME);
      if (i > 0) {
        const previous = packets[i - 1]!.header;
        expect(packet.header.sequenceNumber).toBe((previous.sequenceNumber + 1) & 0xffff);
        expect(packet.header.timestamp).toBe((previous.timestamp + 960) >>> 0);
      }
    }
  });

  it('receives consumers through offers made from their parameters, a second one by renegotiating', async () => {
    const endpoint = await IceLiteEndpoint.sender(2);
    const recv = new WeriftRecvTransport(endpoint.parameters, endpoint.connect, {
      hostAddresses: ['127.0.0.1'],
    });
    closing.push(endpoint, recv);
    const [first, second] = endpoint.consumers;
    const streams = [];
    for (const consumer of [first!, second!])
      streams.push(
        await recv.receive({
          consumerId: consumer.consumerId,
          kind: 'audio',
          rtpParameters: consumer.rtpParameters,
        }),
      );
    await endpoint.accept(recv.pc.localDescription!);
    expect(parseSdp(recv.pc.localDescription!.sdp).media.map((m) => [m.mid, m.setup, m.direction])).toEqual([
      ['0', 'active', 'recvonly'],
      ['1', 'active', 'recvonly'],
    ]);
    expect(endpoint.connected?.role).toBe('client');

    first!.generator.start();
    await streams[0]!.waitFor(25, 10_000);
    // Each stream counts its own SSRC only.
    expect(streams[1]!.packets).toBe(0);
    second!.generator.start();
    await streams[1]!.waitFor(25, 10_000);
    expect(streams[0]!.firstPacketAt).toBeLessThan(streams[1]!.firstPacketAt!);
    expect(streams.map((s) => s.bytes / s.packets)).toEqual([
      OPUS_SILENCE_FRAME.length,
      OPUS_SILENCE_FRAME.length,
    ]);
  });

  it('stops counting when the sender stops', async () => {
    const endpoint = await IceLiteEndpoint.sender(1);
    const recv = new WeriftRecvTransport(endpoint.parameters, endpoint.connect, {
      hostAddresses: ['127.0.0.1'],
    });
    closing.push(endpoint, recv);
    const [consumer] = endpoint.consumers;
    const stream = await recv.receive({
      consumerId: consumer!.consumerId,
      kind: 'audio',
      rtpParameters: consumer!.rtpParameters,
    });
    await endpoint.accept(recv.pc.localDescription!);
    consumer!.generator.start();
    await stream.waitFor(10, 10_000);
    consumer!.generator.stop();
    // Counting stops with the sender: the receiver never counts more packets than were sent, and
    // none beyond that arrives within a window of its own (a condition, not a pause).
    const sent = consumer!.generator.sent;
    await expect(stream.waitFor(sent + 1, 300)).rejects.toThrow(/packets in 300 ms/);
    expect(stream.packets).toBeLessThanOrEqual(sent);
    expect(consumer!.generator.sent).toBe(sent);
  });
});
