import type { BusEvent, BusSubscription, EventBus } from '@gochat/bus';
import type { Logger } from '@gochat/log';
import type { Gauge } from 'prom-client';

type Listener = (event: BusEvent) => void;

interface Entry {
  listeners: Set<Listener>;
  subscription: BusSubscription;
  /** Resolves once the bus has registered interest, so no event published after it is missed. */
  ready: Promise<void>;
}

export interface Listening {
  ready: Promise<void>;
  close(): void;
}

/**
 * One bus subscription per subject per process, shared by every local subscriber and released
 * with the last one: N clients on a channel cost one NATS interest, not N.
 */
export class SubjectHub {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly gauge?: Gauge,
  ) {}

  listen(subject: string, listener: Listener): Listening {
    let entry = this.entries.get(subject);
    if (!entry) {
      const listeners = new Set<Listener>();
      const subscription = this.bus.subscribe(subject, (event) => {
        for (const l of listeners) {
          try {
            l(event);
          } catch (error) {
            this.log.error({ err: error, subject }, 'subscription listener failed');
          }
        }
      });
      entry = { listeners, subscription, ready: this.bus.ping() };
      this.entries.set(subject, entry);
      this.gauge?.set(this.entries.size);
    }
    const current = entry;
    current.listeners.add(listener);
    let closed = false;
    return {
      ready: current.ready,
      close: () => {
        if (closed) return;
        closed = true;
        current.listeners.delete(listener);
        if (current.listeners.size === 0 && this.entries.get(subject) === current) {
          this.entries.delete(subject);
          current.subscription.unsubscribe();
          this.gauge?.set(this.entries.size);
        }
      },
    };
  }

  /** Subjects with at least one local subscriber. */
  get subjectCount(): number {
    return this.entries.size;
  }
}
