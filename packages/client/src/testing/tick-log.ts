import { randomUUID } from 'node:crypto';

export type TickEvent = { seq: number } | { kick: { code: string; reason?: string } };

/**
 * An in-test durable log numbered from 1, with the cursor format of the router (`<epoch>.<seq>`)
 * and a retention window: a cursor older than the oldest retained event can no longer resume.
 */
export class TickLog {
  readonly epoch = randomUUID().slice(0, 8);
  head = 0;
  /** Oldest retained sequence; a resume from `oldest - 1` or later can replay without gaps. */
  oldest = 1;
  private readonly streams = new Set<TickStream>();

  append(count = 1): void {
    this.head += count;
    for (const stream of this.streams) stream.wake();
  }

  forgetThrough(seq: number): void {
    this.oldest = seq + 1;
  }

  cursorOf(seq: number): string {
    return `${this.epoch}.${seq}`;
  }

  /** The sequence a cursor points at, or undefined when it cannot resume (other log, too old). */
  resumePoint(cursor: string): number | undefined {
    const [epoch, seqText] = cursor.split('.');
    const seq = Number(seqText);
    if (epoch !== this.epoch || !Number.isInteger(seq) || seq < this.oldest - 1 || seq > this.head) return;
    return seq;
  }

  /** Events from `fromSeq` on, then live ones; kick() ends it with a kick event. */
  stream(fromSeq: number): TickStream {
    const stream = new TickStream(this, fromSeq, (s) => this.streams.delete(s));
    this.streams.add(stream);
    return stream;
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  /** Ends every stream with an error event (FORBIDDEN + reason, SLOW_CONSUMER ...). */
  kickAll(code: string, reason?: string): void {
    for (const stream of this.streams) stream.kick(reason === undefined ? { code } : { code, reason });
  }
}

/**
 * A hand-written async iterator rather than an async generator: graphql-ws calls return() when the
 * client goes away, and a generator parked on an await would only stop at its next event.
 */
export class TickStream implements AsyncIterableIterator<TickEvent> {
  private closed = false;
  private kickReason: { code: string; reason?: string } | undefined;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly log: TickLog,
    private nextSeq: number,
    private readonly onClose: (stream: TickStream) => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<TickEvent, undefined>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      if (this.kickReason !== undefined) {
        const reason = this.kickReason;
        this.close();
        return { done: false, value: { kick: reason } };
      }
      if (this.nextSeq <= this.log.head) return { done: false, value: { seq: this.nextSeq++ } };
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  return(): Promise<IteratorResult<TickEvent, undefined>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  kick(reason: { code: string; reason?: string }): void {
    this.kickReason = reason;
    this.wake();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    this.wake();
  }
}
