import { ReplayGapError, type EventBus } from '@gochat/bus';
import { DomainError } from '@gochat/errors';
import type { ExecutionResult } from 'graphql';

import { BoundedQueue } from './bounded-queue.ts';
import { parseCursor, resyncRequired } from './cursor.ts';
import type { LiveEvent } from './event.ts';
import { Feed, type FeedOptions } from './feed.ts';

/** Where a feed starts in the log. */
export interface StartPoint {
  /** The log's identity, which cursors carry. */
  epoch: string;
  /** The client's cursor on a resume, else undefined (a fresh start at the log's end). */
  after: number | undefined;
  /**
   * On a resume, the log position before the feed's rules read the viewer's access: replayed events
   * up to it are already reflected there (see Feed.start).
   */
  accessAsOf: number;
}

/** Reads where a feed starts; a malformed cursor is VALIDATION, one of another log RESYNC_REQUIRED. */
export async function startPoint(bus: EventBus, cursor: unknown): Promise<StartPoint> {
  const epoch = await bus.epoch();
  const after = typeof cursor === 'string' ? parseCursor(cursor, epoch) : undefined;
  const accessAsOf = after === undefined ? 0 : await bus.position();
  return { epoch, after, accessAsOf };
}

export type LiveFeedOptions = Omit<FeedOptions, 'deliver' | 'onEnd' | 'onOverflow'> & {
  /**
   * Sends accepted events straight to the client (the real-time feeds write to their socket). Without
   * it they are queued for the iterator, which renders each (the hydrated subscriptions).
   */
  deliver?: FeedOptions['deliver'];
  /** The feed fell behind; by default the subscription just ends. */
  onOverflow?: () => void;
};

/** How a subscription's iterator turns what its feed produced into results for graphql-ws. */
export interface LiveDelivery {
  /** A queued event as the client's result; undefined skips it. */
  render?(event: LiveEvent): Promise<ExecutionResult | undefined>;
  /** The queue overflowed: the client is told SLOW_CONSUMER once, after this. */
  onSlowConsumer?(): void;
  /** Once, however the subscription ends (feed ended, client completed, socket closed). */
  onFinish(): void;
}

/**
 * The live core both subscription paths share: a started Feed (listening, replay and merge, access
 * re-reads), the bounded queue between it and graphql-ws, and the iterator graphql-ws pumps. The feed
 * ends into the queue: its error, if any, is the subscription's last result.
 */
export class LiveFeed {
  private readonly queue: BoundedQueue<LiveEvent | DomainError>;
  private readonly feed: Feed;

  private constructor(options: LiveFeedOptions) {
    const queue = new BoundedQueue<LiveEvent | DomainError>(options.queueLimit, () => this.feed.stop());
    this.queue = queue;
    this.feed = new Feed({
      ...options,
      deliver: options.deliver ?? ((event) => queue.push(event)),
      onEnd(error) {
        if (error) queue.push(error);
        queue.end();
      },
      onOverflow: options.onOverflow ?? (() => void queue.return()),
    });
  }

  /** Listens and replays from the start point; RESYNC_REQUIRED when the log no longer has it. */
  static async start(options: LiveFeedOptions, at: StartPoint): Promise<LiveFeed> {
    const live = new LiveFeed(options);
    try {
      await live.feed.start(at.after, at.accessAsOf);
    } catch (error) {
      live.feed.stop();
      if (error instanceof ReplayGapError)
        throw resyncRequired('Events after the cursor are no longer kept.');
      throw error;
    }
    return live;
  }

  /** Where the feed starts: the client's cursor, or the log's position once listening. */
  get startSeq(): number {
    return this.feed.startSeq;
  }

  /** Starts delivery (queued events first) and hands the iterator to graphql-ws. */
  subscribe(delivery: LiveDelivery): AsyncIterableIterator<ExecutionResult> {
    this.feed.attach();
    return new LiveIterator(this.queue, this.feed, delivery);
  }

  /** Ends the feed before anyone subscribed (a refused operation). */
  stop(): void {
    this.feed.stop();
  }
}

const SLOW_CONSUMER = () => new DomainError('SLOW_CONSUMER', 'Too many undelivered events; subscribe again.');

/** One per subscription: a class, so it holds its three references and no closure scope. */
class LiveIterator implements AsyncIterableIterator<ExecutionResult> {
  private finished = false;
  private overflowReported = false;

  constructor(
    private readonly queue: BoundedQueue<LiveEvent | DomainError>,
    private readonly feed: Feed,
    private readonly delivery: LiveDelivery,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      const item = await this.queue.next();
      if (item.done) {
        this.finish();
        if (this.queue.overflowed && !this.overflowReported) {
          this.overflowReported = true;
          this.delivery.onSlowConsumer?.();
          return { value: { errors: [SLOW_CONSUMER()] }, done: false };
        }
        return { value: undefined, done: true };
      }
      if (item.value instanceof DomainError) return { value: { errors: [item.value] }, done: false };
      const result = await this.delivery.render?.(item.value);
      if (result) return { value: result, done: false };
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.queue.return();
    this.finish();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.feed.stop();
    this.delivery.onFinish();
  }
}
