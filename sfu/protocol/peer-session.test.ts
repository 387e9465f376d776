import { describe, expect, it } from 'vitest';

import type { SignalErrorCode } from './errors.ts';
import { OPUS_RTP_PARAMETERS, VP8_SIMULCAST_RTP_PARAMETERS } from './fixtures.ts';
import { PEER_LIMITS } from './limits.ts';
import type { SignalRequest } from './messages.ts';
import { parseClientFrame } from './parse.ts';
import { PeerSession } from './peer-session.ts';

let nextId = 1;
/** A request as the parser hands it over (so the tests exercise real, validated requests). */
function request(method: string, data: unknown = {}): SignalRequest {
  const parsed = parseClientFrame(JSON.stringify({ id: nextId++, method, data }));
  if (!parsed.ok) throw parsed.error;
  return parsed.request;
}

const refusal = (session: PeerSession, req: SignalRequest): SignalErrorCode | undefined => {
  try {
    session.check(req);
    return undefined;
  } catch (error) {
    return (error as { code: SignalErrorCode }).code;
  }
};

const mic = (transportId = 'send-1') =>
  request('produce', { transportId, kind: 'audio', source: 'mic', rtpParameters: OPUS_RTP_PARAMETERS });

/** A session through authenticate and join, with both transports. */
function joinedSession(): PeerSession {
  const session = new PeerSession();
  session.authenticated();
  session.joined();
  session.transportCreated('send-1', 'send');
  session.transportCreated('recv-1', 'recv');
  return session;
}

describe('PeerSession', () => {
  it('allows only authenticate before authentication, then only join, then media', () => {
    const session = new PeerSession();
    expect(refusal(session, request('join', { rtpCapabilities: { codecs: [] } }))).toBe('UNAUTHENTICATED');
    expect(refusal(session, request('createTransport', { direction: 'send' }))).toBe('UNAUTHENTICATED');
    expect(refusal(session, request('getRouterRtpCapabilities'))).toBe('UNAUTHENTICATED');
    expect(refusal(session, request('authenticate', { token: 't' }))).toBeUndefined();
    session.authenticated();
    expect(refusal(session, request('getRouterRtpCapabilities'))).toBeUndefined();
    expect(refusal(session, request('authenticate', { token: 't' }))).toBe('CONFLICT');
    expect(refusal(session, request('createTransport', { direction: 'send' }))).toBe('CONFLICT');
    expect(refusal(session, request('join', { rtpCapabilities: { codecs: [] } }))).toBeUndefined();
    session.joined();
    expect(refusal(session, request('join', { rtpCapabilities: { codecs: [] } }))).toBe('CONFLICT');
    expect(refusal(session, request('createTransport', { direction: 'send' }))).toBeUndefined();
    expect(refusal(session, request('getRouterRtpCapabilities'))).toBeUndefined();
  });

  it('refuses everything after leave, and forgets what the peer held', () => {
    const session = joinedSession();
    session.producerCreated('p1', 'mic');
    session.consumerCreated('c1');
    expect(refusal(session, request('leave'))).toBeUndefined();
    session.left();
    expect(session.holdings()).toEqual({ transports: 0, producers: 0, consumers: 0 });
    for (const req of [
      request('leave'),
      mic(),
      request('consume', { producerId: 'p9' }),
      request('authenticate', { token: 't' }),
    ])
      expect(refusal(session, req), req.method).toBe('CONFLICT');
  });

  it('holds one transport per direction: a thousand more are refused and none counted', () => {
    const session = joinedSession();
    for (let i = 0; i < 1000; i++)
      expect(refusal(session, request('createTransport', { direction: i % 2 ? 'send' : 'recv' }))).toBe(
        'LIMIT',
      );
    expect(session.holdings().transports).toBe(2 * PEER_LIMITS.transportsPerDirection);
  });

  it("knows only the peer's own transports, producers and consumers", () => {
    const session = joinedSession();
    expect(
      refusal(
        session,
        request('connectTransport', {
          transportId: 'someone-elses',
          dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] },
        }),
      ),
    ).toBe('NOT_FOUND');
    expect(refusal(session, request('restartIce', { transportId: 'send-1' }))).toBeUndefined();
    expect(refusal(session, request('pauseProducer', { producerId: 'p-other' }))).toBe('NOT_FOUND');
    expect(refusal(session, request('resumeConsumer', { consumerId: 'c-other' }))).toBe('NOT_FOUND');
    session.producerCreated('p1', 'mic');
    session.consumerCreated('c1');
    expect(refusal(session, request('pauseProducer', { producerId: 'p1' }))).toBeUndefined();
    expect(refusal(session, request('resumeConsumer', { consumerId: 'c1' }))).toBeUndefined();
    session.producerClosed('p1');
    expect(refusal(session, request('closeProducer', { producerId: 'p1' }))).toBe('NOT_FOUND');
  });

  it('produces on the send transport only, one producer per source, of the kind the source carries', () => {
    const session = joinedSession();
    expect(refusal(session, mic('recv-1'))).toBe('BAD_REQUEST');
    expect(
      refusal(
        session,
        request('produce', {
          transportId: 'send-1',
          kind: 'video',
          source: 'mic',
          rtpParameters: VP8_SIMULCAST_RTP_PARAMETERS,
        }),
      ),
    ).toBe('BAD_REQUEST');
    expect(refusal(session, mic())).toBeUndefined();
    session.producerCreated('p-mic', 'mic');
    expect(refusal(session, mic())).toBe('CONFLICT');
    session.producerCreated('p-cam', 'camera');
    session.producerCreated('p-screen', 'screen');
    session.producerCreated('p-screen-audio', 'screen-audio');
    expect(session.holdings().producers).toBe(PEER_LIMITS.producers);
    session.producerClosed('p-mic');
    expect(refusal(session, mic())).toBeUndefined();
  });

  it('consumes only with a receive transport, up to the consumer limit', () => {
    const session = new PeerSession();
    session.authenticated();
    session.joined();
    expect(refusal(session, request('consume', { producerId: 'p1' }))).toBe('CONFLICT');
    session.transportCreated('recv-1', 'recv');
    for (let i = 0; i < PEER_LIMITS.consumers; i++) session.consumerCreated(`c${i}`);
    expect(refusal(session, request('consume', { producerId: 'p1' }))).toBe('LIMIT');
    session.consumerClosed('c0');
    expect(refusal(session, request('consume', { producerId: 'p1' }))).toBeUndefined();
  });
});
