import { describe, expect, it } from 'vitest';

import {
  DEVICE_RTP_CAPABILITIES,
  DTLS_PARAMETERS,
  OPUS_RTP_PARAMETERS,
  VP8_SIMULCAST_RTP_PARAMETERS,
} from './fixtures.ts';
import { errorFrame, notificationFrame, responseFrame } from './frames.ts';
import { PROTOCOL_LIMITS } from './limits.ts';
import { parseClientFrame } from './parse.ts';

const frame = (id: unknown, method: string, data?: unknown) => JSON.stringify({ id, method, data });

describe('parseClientFrame', () => {
  it('accepts each method with the data mediasoup-client sends', () => {
    const valid: Array<[string, unknown]> = [
      ['authenticate', { token: 'header.payload.signature' }],
      ['getRouterRtpCapabilities', {}],
      ['join', { rtpCapabilities: DEVICE_RTP_CAPABILITIES }],
      ['createTransport', { direction: 'send' }],
      [
        'connectTransport',
        { transportId: 'c0ffee00-0000-4000-8000-000000000001', dtlsParameters: DTLS_PARAMETERS },
      ],
      ['restartIce', { transportId: 't1' }],
      ['produce', { transportId: 't1', kind: 'audio', source: 'mic', rtpParameters: OPUS_RTP_PARAMETERS }],
      [
        'produce',
        {
          transportId: 't1',
          kind: 'video',
          source: 'camera',
          rtpParameters: VP8_SIMULCAST_RTP_PARAMETERS,
          paused: true,
        },
      ],
      ['pauseProducer', { producerId: 'p1' }],
      ['resumeProducer', { producerId: 'p1' }],
      ['closeProducer', { producerId: 'p1' }],
      ['consume', { producerId: 'p1' }],
      ['resumeConsumer', { consumerId: 'c1' }],
      ['leave', {}],
    ];
    for (const [method, data] of valid) {
      const parsed = parseClientFrame(frame(7, method, data));
      expect(parsed, method).toMatchObject({ ok: true, request: { id: 7, method } });
    }
    // A missing data is an empty one (leave needs none); a Buffer frame reads as UTF-8.
    expect(parseClientFrame(Buffer.from(JSON.stringify({ id: 1, method: 'leave' })))).toMatchObject({
      ok: true,
    });
  });

  it('refuses what is not a frame without an id to answer', () => {
    for (const raw of [
      '',
      'not json',
      '[]',
      'null',
      '42',
      '{"id":"1","method":"leave"}',
      '{"id":0,"method":"leave"}',
      `{"id":${2 ** 31},"method":"leave"}`,
      '{"id":1.5,"method":"leave"}',
      '{"method":"leave"}',
      '{"id":1,"method":"leave","extra":1}',
    ]) {
      const parsed = parseClientFrame(raw);
      expect(parsed.ok, raw).toBe(false);
      if (!parsed.ok) {
        expect(parsed.id, raw).toBeUndefined();
        expect(parsed.error.code).toBe('BAD_REQUEST');
      }
    }
  });

  it('refuses an oversized frame before parsing it', () => {
    const big = frame(1, 'authenticate', { token: 'x'.repeat(PROTOCOL_LIMITS.frameBytes) });
    const parsed = parseClientFrame(big);
    expect(parsed).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/too large/) },
    });
  });

  it("answers a readable request's id with what was wrong, never echoing the value", () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['fly', {}, /unknown method/],
      ['authenticate', {}, /token/],
      ['authenticate', { token: 'y'.repeat(PROTOCOL_LIMITS.tokenChars + 1) }, /token: too_big/],
      ['join', { rtpCapabilities: { codecs: 'opus' } }, /rtpCapabilities\.codecs/],
      ['createTransport', { direction: 'sideways' }, /direction/],
      ['connectTransport', { transportId: '../../etc', dtlsParameters: DTLS_PARAMETERS }, /transportId/],
      ['connectTransport', { transportId: 't1', dtlsParameters: { fingerprints: [] } }, /fingerprints/],
      [
        'produce',
        { transportId: 't1', kind: 'data', source: 'mic', rtpParameters: OPUS_RTP_PARAMETERS },
        /kind/,
      ],
      [
        'produce',
        {
          transportId: 't1',
          kind: 'audio',
          source: 'mic',
          rtpParameters: { ...OPUS_RTP_PARAMETERS, codecs: [] },
        },
        /codecs/,
      ],
      [
        'produce',
        {
          transportId: 't1',
          kind: 'video',
          source: 'camera',
          rtpParameters: { ...VP8_SIMULCAST_RTP_PARAMETERS, encodings: Array(5).fill({ rid: 'r' }) },
        },
        /encodings/,
      ],
      [
        'produce',
        {
          transportId: 't1',
          kind: 'audio',
          source: 'mic',
          rtpParameters: {
            ...OPUS_RTP_PARAMETERS,
            codecs: [{ ...OPUS_RTP_PARAMETERS.codecs[0], mimeType: 'text/html' }],
          },
        },
        /mimeType/,
      ],
      ['leave', { now: true }, /unrecognized_keys/],
    ];
    for (const [method, data, message] of cases) {
      const parsed = parseClientFrame(frame(42, method, data));
      expect(parsed, method).toMatchObject({ ok: false, id: 42, error: { code: 'BAD_REQUEST' } });
      if (!parsed.ok) {
        expect(parsed.error.message, method).toMatch(message);
        expect(parsed.error.message).not.toMatch(/yyyy|etc|sideways|text\/html/);
      }
    }
  });
});

describe('server frames', () => {
  it('are responses to an id, errors with a code, or named notifications', () => {
    expect(JSON.parse(responseFrame(3, { producerId: 'p' }))).toEqual({
      id: 3,
      ok: true,
      data: { producerId: 'p' },
    });
    expect(JSON.parse(errorFrame(undefined, 'BAD_REQUEST', 'frame is not JSON'))).toEqual({
      id: 0,
      ok: false,
      error: { code: 'BAD_REQUEST', message: 'frame is not JSON' },
    });
    expect(JSON.parse(notificationFrame('activeSpeaker', { peerId: null }))).toEqual({
      notification: 'activeSpeaker',
      data: { peerId: null },
    });
  });
});
