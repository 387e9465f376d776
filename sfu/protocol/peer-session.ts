import { SignalError } from './errors.ts';
import { PEER_LIMITS } from './limits.ts';
import {
  KIND_OF_SOURCE as KIND_OF,
  type Method,
  type ProducerSource,
  type SignalRequest,
} from './messages.ts';

export type PeerPhase = 'connected' | 'authenticated' | 'joined' | 'left';

/** The phase each method needs: the protocol's order, enforced. */
const PHASE_OF: Record<Method, PeerPhase | readonly PeerPhase[]> = {
  authenticate: 'connected',
  getRouterRtpCapabilities: ['authenticated', 'joined'],
  join: 'authenticated',
  createTransport: 'joined',
  connectTransport: 'joined',
  restartIce: 'joined',
  produce: 'joined',
  pauseProducer: 'joined',
  resumeProducer: 'joined',
  closeProducer: 'joined',
  consume: 'joined',
  resumeConsumer: 'joined',
  leave: 'joined',
};

/**
 * What one signalling socket may ask, given what it did before: the phase (authenticate, then join,
 * then media, nothing after leave) and what it holds (one transport per direction, a producer per
 * source, bounded consumers). `check` runs before the SFU acts; the record methods run after it
 * did, so a failed mediasoup call leaves nothing counted. Pure bookkeeping: no mediasoup here.
 */
export class PeerSession {
  private current: PeerPhase = 'connected';
  private readonly transports = new Map<string, 'send' | 'recv'>();
  private readonly producers = new Map<string, ProducerSource>();
  private readonly consumers = new Set<string>();

  get phase(): PeerPhase {
    return this.current;
  }

  /** Throws the SignalError the request deserves, or returns when the SFU may carry it out. */
  check(request: SignalRequest): void {
    const needed = PHASE_OF[request.method];
    if (typeof needed === 'string' ? this.current !== needed : !needed.includes(this.current)) {
      if (this.current === 'connected') throw new SignalError('UNAUTHENTICATED', 'authenticate first');
      if (this.current === 'left') throw new SignalError('CONFLICT', 'this peer has left the room');
      throw new SignalError('CONFLICT', `${request.method} is not allowed ${describe(this.current)}`);
    }
    switch (request.method) {
      case 'createTransport':
        if (
          [...this.transports.values()].filter((d) => d === request.data.direction).length >=
          PEER_LIMITS.transportsPerDirection
        )
          throw new SignalError('LIMIT', `a ${request.data.direction} transport exists already`);
        return;
      case 'connectTransport':
      case 'restartIce':
        this.transport(request.data.transportId);
        return;
      case 'produce': {
        if (this.transport(request.data.transportId) !== 'send')
          throw new SignalError('BAD_REQUEST', 'produce needs the send transport');
        if (KIND_OF[request.data.source] !== request.data.kind)
          throw new SignalError(
            'BAD_REQUEST',
            `a ${request.data.source} producer carries ${KIND_OF[request.data.source]}`,
          );
        if ([...this.producers.values()].includes(request.data.source))
          throw new SignalError('CONFLICT', `a ${request.data.source} producer exists already`);
        if (this.producers.size >= PEER_LIMITS.producers)
          throw new SignalError('LIMIT', 'too many producers');
        return;
      }
      case 'pauseProducer':
      case 'resumeProducer':
      case 'closeProducer':
        this.producer(request.data.producerId);
        return;
      case 'consume':
        if (![...this.transports.values()].includes('recv'))
          throw new SignalError('CONFLICT', 'create the recv transport before consuming');
        if (this.consumers.size >= PEER_LIMITS.consumers)
          throw new SignalError('LIMIT', 'too many consumers');
        return;
      case 'resumeConsumer':
        if (!this.consumers.has(request.data.consumerId))
          throw new SignalError('NOT_FOUND', 'no such consumer');
        return;
      case 'authenticate':
      case 'getRouterRtpCapabilities':
      case 'join':
      case 'leave':
        // The phase was all they need.
        return;
    }
  }

  authenticated(): void {
    this.current = 'authenticated';
  }

  joined(): void {
    this.current = 'joined';
  }

  transportCreated(transportId: string, direction: 'send' | 'recv'): void {
    this.transports.set(transportId, direction);
  }

  producerCreated(producerId: string, source: ProducerSource): void {
    this.producers.set(producerId, source);
  }

  producerClosed(producerId: string): void {
    this.producers.delete(producerId);
  }

  consumerCreated(consumerId: string): void {
    this.consumers.add(consumerId);
  }

  consumerClosed(consumerId: string): void {
    this.consumers.delete(consumerId);
  }

  /** Leaving forgets everything held: the SFU closes the transports, which closes the rest. */
  left(): void {
    this.current = 'left';
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }

  /** The peer's transport of that direction, if it made one. */
  transportOf(direction: 'send' | 'recv'): string | undefined {
    for (const [id, d] of this.transports) if (d === direction) return id;
    return undefined;
  }

  /** Counts, for tests and for the SFU's metrics. */
  holdings(): { transports: number; producers: number; consumers: number } {
    return {
      transports: this.transports.size,
      producers: this.producers.size,
      consumers: this.consumers.size,
    };
  }

  private transport(transportId: string): 'send' | 'recv' {
    const direction = this.transports.get(transportId);
    if (!direction) throw new SignalError('NOT_FOUND', 'no such transport');
    return direction;
  }

  private producer(producerId: string): ProducerSource {
    const source = this.producers.get(producerId);
    if (!source) throw new SignalError('NOT_FOUND', 'no such producer');
    return source;
  }
}

const describe = (phase: PeerPhase) =>
  phase === 'authenticated' ? 'before join' : phase === 'joined' ? 'after join' : `while ${phase}`;
