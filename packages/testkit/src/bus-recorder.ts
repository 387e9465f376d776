import type { BusEvent } from '@gochat/bus';

/** Records deliveries and lets a test wait for a specific one instead of sleeping. */
export class Recorder {
  constructor(private readonly waitMs = 5_000) {}

  readonly events: BusEvent[] = [];
  private waiters: Array<() => void> = [];

  readonly handler = (event: BusEvent): void => {
    this.events.push(event);
    for (const wake of this.waiters.splice(0)) wake();
  };

  get ids(): string[] {
    return this.events.map((e) => e.id);
  }

  async until(done: (events: BusEvent[]) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    while (!done(this.events)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting for ${what}; got ids ${JSON.stringify(this.ids)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until the event with this id has arrived. */
  untilId(id: string): Promise<void> {
    return this.until((events) => events.some((e) => e.id === id), `event ${id}`);
  }

  /** Waits until at least n events have arrived. */
  untilCount(n: number): Promise<void> {
    return this.until((events) => events.length >= n, `${n} events`);
  }
}
