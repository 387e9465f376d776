/**
 * Runs a callback for each item once its deadline passes, checked every tick by one shared timer:
 * a timer per connection would cost a few hundred bytes for each of them.
 */
export class ExpiryWheel<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly onExpired: (item: T) => void,
    private readonly now: () => number = Date.now,
    private readonly tickMs = 500,
  ) {
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** Schedules item at deadline (ms); returns the bucket to pass to remove(). */
  add(item: T, deadline: number): number {
    const bucket = Math.ceil(deadline / this.tickMs);
    let set = this.buckets.get(bucket);
    if (!set) this.buckets.set(bucket, (set = new Set()));
    set.add(item);
    return bucket;
  }

  remove(item: T, bucket: number): void {
    const set = this.buckets.get(bucket);
    set?.delete(item);
    if (set?.size === 0) this.buckets.delete(bucket);
  }

  tick(): void {
    const current = Math.floor(this.now() / this.tickMs);
    for (const [bucket, items] of this.buckets) {
      if (bucket > current) continue;
      this.buckets.delete(bucket);
      for (const item of items) this.onExpired(item);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get size(): number {
    let n = 0;
    for (const set of this.buckets.values()) n += set.size;
    return n;
  }
}
