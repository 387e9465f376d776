type Task = () => Promise<void>;

/**
 * Runs one peer's work one task at a time, in order: its requests, and what the node orders about it
 * (moderation, closing). An urgent task runs as soon as the task in flight has finished, ahead of the
 * requests still waiting, so a client that floods requests cannot delay its own muting or closing;
 * it never interleaves with another task, so a check and the state it guards stay together.
 */
export class TaskLane {
  private readonly normal: Task[] = [];
  private readonly urgent: Task[] = [];
  private running = false;

  /** Runs `task` after those queued before it; settles as the task does. */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    return this.enqueue(this.normal, task);
  }

  /** Runs `task` after the one in flight, ahead of the normal ones waiting. */
  runUrgent<T>(task: () => Promise<T> | T): Promise<T> {
    return this.enqueue(this.urgent, task);
  }

  private enqueue<T>(queue: Task[], task: () => Promise<T> | T): Promise<T> {
    let settle!: (outcome: Promise<T>) => void;
    // Resolved with the task's own promise, it settles as the task does, failure included.
    const result = new Promise<T>((resolve) => (settle = resolve));
    queue.push(() => {
      const outcome = Promise.resolve().then(task);
      settle(outcome);
      return outcome.then(
        () => undefined,
        () => undefined,
      );
    });
    if (!this.running) void this.drain();
    return result;
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let next = this.take(); next; next = this.take()) await next();
    this.running = false;
  }

  private take(): Task | undefined {
    return this.urgent.shift() ?? this.normal.shift();
  }
}
