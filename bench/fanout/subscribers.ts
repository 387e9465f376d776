/**
 * The subscribers of bench:fanout: raw `ws` sockets speaking just enough graphql-transport-ws
 * (connection_init, subscribe, pong). A delivery is found by scanning the frame's bytes for the
 * message marker, with no JSON parse, so a delivery costs the client the same for GoChat and the floor.
 */
import WebSocket from 'ws';

/** Message text: `fanout:<index>:<issue time in µs of performance.now()>`. */
export const MARKER = 'fanout:';
const MARKER_BYTES = Buffer.from(MARKER);

export const messageText = (index: number, issuedUs: number) => `${MARKER}${index}:${issuedUs}`;

/** Reads a run of ASCII digits at `from`: the number and where it stopped. */
function digits(buffer: Buffer, from: number): [number, number] {
  let value = 0;
  let i = from;
  for (let c = buffer[i]; c !== undefined && c >= 48 && c <= 57; c = buffer[++i]) value = value * 10 + c - 48;
  return [value, i];
}

/** Growable store of latency samples (ms) of the messages in the measured range. */
class Samples {
  values = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }
}

/**
 * Counts deliveries per message index and keeps send->deliver latencies of the messages in the
 * measured index range; deliveries are also counted by arrival inside the measured time window.
 */
export class DeliveryRecorder {
  private perMessage = new Uint32Array(1 << 14);
  // First and last arrival per message: their gap is the fan-out alone, whatever the send path costs.
  private firstAt = new Float64Array(1 << 14);
  private lastAt = new Float64Array(1 << 14);
  private samples = new Samples();
  private measureFrom = Infinity;
  private measureTo = -Infinity;
  private windowOpen = false;
  deliveriesInWindow = 0;
  total = 0;
  /** One full frame as received, to report its size and reuse its shape for the floor. */
  sampleFrame: Buffer | undefined;

  record(index: number, issuedUs: number, frame: Buffer): void {
    const now = performance.now();
    this.total++;
    if (this.windowOpen) this.deliveriesInWindow++;
    if (index >= this.perMessage.length) this.grow(index);
    if (this.perMessage[index]!++ === 0) this.firstAt[index] = now;
    this.lastAt[index] = now;
    if (index >= this.measureFrom && index < this.measureTo) this.samples.push(now - issuedUs / 1000);
    if (!this.sampleFrame) this.sampleFrame = Buffer.from(frame);
  }

  private grow(index: number): void {
    const size = Math.max(index + 1, this.perMessage.length * 2);
    const grown = <T extends Uint32Array | Float64Array>(array: T, bigger: T) => {
      bigger.set(array);
      return bigger;
    };
    this.perMessage = grown(this.perMessage, new Uint32Array(size));
    this.firstAt = grown(this.firstAt, new Float64Array(size));
    this.lastAt = grown(this.lastAt, new Float64Array(size));
  }

  /** Last minus first arrival (ms) of each measured message that arrived at all. */
  spreads(): Float64Array {
    const spreads: number[] = [];
    const to = Math.min(this.measureTo, this.perMessage.length);
    for (let i = this.measureFrom; i < to; i++)
      if (this.perMessage[i]! > 0) spreads.push(this.lastAt[i]! - this.firstAt[i]!);
    return Float64Array.from(spreads);
  }

  deliveriesOf(index: number): number {
    return this.perMessage[index] ?? 0;
  }

  /** Starts a measurement: latencies of messages with index >= from; arrivals counted from now. */
  open(from: number): void {
    this.samples = new Samples();
    this.measureFrom = from;
    this.measureTo = Infinity;
    this.deliveriesInWindow = 0;
    this.windowOpen = true;
  }

  /** Ends the arrival window; latencies are kept only for messages below `to`. */
  closeWindow(to: number): void {
    this.windowOpen = false;
    this.measureTo = to;
  }

  latencies(): Float64Array {
    return this.samples.values.subarray(0, this.samples.length);
  }
}

export interface SubscriberOptions {
  wsUrl: string;
  /** connection_init payload of the i-th connection (its JWT). */
  init: (i: number) => Record<string, unknown>;
  subscribe: { query: string; operationName: string; variables: Record<string, unknown> };
  recorder: DeliveryRecorder;
}

/** Open sockets, and what went wrong with any of them. */
export class SubscriberPool {
  readonly sockets: WebSocket[] = [];
  readonly problems: string[] = [];
  unexpectedCloses = 0;
  private closing = false;

  constructor(private readonly options: SubscriberOptions) {}

  /** Opens `count` more subscribed connections, `batch` at a time (each waits for connection_ack). */
  async open(count: number, batch = 200): Promise<void> {
    for (let start = 0; start < count; start += batch) {
      const size = Math.min(batch, count - start);
      await Promise.all(Array.from({ length: size }, () => this.openOne()));
    }
  }

  private openOne(): Promise<void> {
    const { wsUrl, init, subscribe, recorder } = this.options;
    const i = this.sockets.length;
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    this.sockets.push(socket);
    const subscribeFrame = JSON.stringify({ id: '1', type: 'subscribe', payload: subscribe });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection ${i}: no connection_ack in 60 s`)), 60_000);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: init(i) })));
      socket.on('message', (data: Buffer) => {
        const at = data.indexOf(MARKER_BYTES);
        if (at >= 0) {
          const [index, end] = digits(data, at + MARKER_BYTES.length);
          const [issuedUs] = digits(data, end + 1);
          recorder.record(index, issuedUs, data);
          return;
        }
        const message = JSON.parse(data.toString('utf8')) as { type: string; payload?: unknown };
        if (message.type === 'connection_ack') {
          socket.send(subscribeFrame);
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'ping') socket.send('{"type":"pong"}');
        else if (message.type === 'error' || message.type === 'complete')
          this.problems.push(`${message.type}: ${JSON.stringify(message.payload ?? null).slice(0, 300)}`);
      });
      socket.once('close', (code, reason) => {
        clearTimeout(timer);
        if (!this.closing) {
          this.unexpectedCloses++;
          this.problems.push(`closed ${code} ${reason.toString()}`);
        }
        reject(new Error(`connection closed ${code} ${reason.toString()}`));
      });
      socket.once('error', (error) => this.problems.push(`socket error: ${error.message}`));
    });
  }

  /** Closes every socket and waits (up to 5 s) until they are closed. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              socket.terminate();
              resolve();
            }, 5_000);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            socket.close(1000, 'bench done');
          }),
      ),
    );
    this.sockets.length = 0;
  }
}
