/**
 * A single-consumer async queue with a hard bound: a subscriber that stops reading cannot make the
 * router's memory grow without limit. Past the bound the queue fails, and the subscription ends
 * with SLOW_CONSUMER (the client resubscribes; gapless resume comes with the real-time issue).
 */
export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failure: Error | undefined;
  private done = false;
  private ended = false;

  constructor(
    private readonly limit: number,
    private readonly onClose: () => void,
  ) {}

  push(item: T): void {
    if (this.done || this.failure || this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.limit) {
      this.failure = new Error('overflow');
      this.onClose();
      return;
    }
    this.items.push(item);
  }

  /** No more items: the consumer gets what is queued, then done. */
  end(): void {
    if (this.done || this.failure) return;
    this.ended = true;
    if (this.items.length === 0 && this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  get overflowed(): boolean {
    return this.failure !== undefined;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.failure || this.done || this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.items.length = 0;
      this.onClose();
      this.waiting?.({ value: undefined, done: true });
      this.waiting = undefined;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
