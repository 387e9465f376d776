import type { BusSubscription, EventBus } from '@gochat/bus';
import type { Logger } from '@gochat/log';
import type { Gauge } from 'prom-client';

import { toLiveEvent, type LiveEvent } from './event.ts';

type Listener = (event: LiveEvent) => void;

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

/** One listener's hold on a subject (a class, not a closure: there is one per subscriber and subject). */
class HubListening implements Listening {
  private closed = false;

  constructor(
    private readonly entries: Map<string, Entry>,
    private readonly subject: string,
    private readonly entry: Entry,
    private readonly listener: Listener,
    private readonly gauge: Gauge | undefined,
  ) {}

  get ready(): Promise<void> {
    return this.entry.ready;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const { entries, entry, subject } = this;
    entry.listeners.delete(this.listener);
    if (entry.listeners.size === 0 && entries.get(subject) === entry) {
      entries.delete(subject);
      entry.subscription.unsubscribe();
      this.gauge?.set(entries.size);
    }
  }
}

/**
 * One bus subscription per subject per process, shared by every local subscriber and released
 * with the last one: N clients on a channel cost one NATS interest, not N. Each event is read once
 * (toLiveEvent) and the same object goes to every listener, so what is derived from it can be
 * shared per event (payload bytes, for instance).
 */
export class SubjectHub {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly gauge?: Gauge,
    /** Wraps each event's delivery to its listeners (the router batches the socket writes it causes). */
    private readonly dispatch: (deliver: () => void) => void = (deliver) => deliver(),
  ) {}

  listen(subject: string, listener: Listener): Listening {
    let entry = this.entries.get(subject);
    if (!entry) {
      const listeners = new Set<Listener>();
      const subscription = this.bus.subscribe(subject, (busEvent) => {
        const event = toLiveEvent(busEvent);
        if (!event) {
          this.log.debug({ type: busEvent.type, subject }, 'event of an unknown type ignored');
          return;
        }
        this.dispatch(() => {
          for (const l of listeners) {
            try {
              l(event);
            } catch (error) {
              this.log.error({ err: error, subject }, 'subscription listener failed');
            }
          }
        });
      });
      entry = { listeners, subscription, ready: this.bus.ping() };
      this.entries.set(subject, entry);
      this.gauge?.set(this.entries.size);
    }
    entry.listeners.add(listener);
    return new HubListening(this.entries, subject, entry, listener, this.gauge);
  }

  /** Subjects with at least one local subscriber. */
  get subjectCount(): number {
    return this.entries.size;
  }
}
