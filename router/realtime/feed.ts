import { ReplayGapError, type BusEvent, type EventBus } from '@gochat/bus';
import { DomainError } from '@gochat/errors';

import type { Listening, SubjectHub } from '../subscriptions/subject-hub.ts';
import { resyncRequired } from './cursor.ts';

/** What a feed does with one event. */
export type Verdict = 'deliver' | 'skip' | DomainError;

/** The per-field policy of a feed: which subjects, which events, when access must be re-read. */
export interface FeedRules {
  /** Subjects to listen on, given the access known now. */
  patterns(): string[];
  /** The one filter subject replay reads (a superset of patterns(); decide() filters). */
  replayPattern: string;
  /** True when the event may change the viewer's access: refresh() runs before decide(). */
  needsRefresh(event: BusEvent): boolean;
  refresh(event: BusEvent): Promise<void>;
  decide(event: BusEvent): Verdict;
}

export interface FeedOptions {
  hub: SubjectHub;
  bus: EventBus;
  rules: FeedRules;
  maxReplay: number;
  queueLimit: number;
  /** Sends one accepted event to the client. */
  deliver(event: BusEvent): void;
  /** The feed ended: with an error for the client, or undefined when the client left. */
  onEnd(error: DomainError | undefined): void;
  /** The feed fell queueLimit events behind: its socket must close with 4008. */
  onOverflow(): void;
  /** Something failed while re-reading access or replaying (logged; the feed ends). */
  onError?(error: unknown): void;
}

const bySeq = (a: BusEvent, b: BusEvent) =>
  (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER);

/**
 * A resumable, ordered event stream over a changing set of subjects. Every stored event is handled
 * once and in log order (seq): live events are dropped when their seq was already handled, and after
 * a resume or a widening of access the log is replayed and merged with what arrived live meanwhile.
 */
export class Feed {
  private readonly listens = new Map<string, Listening>();
  private queue: BusEvent[] = [];
  private lastSeq = 0;
  private attached = false;
  private draining = false;
  private ended = false;

  constructor(private readonly options: FeedOptions) {}

  /** Listens, then replays the log after `after` into the queue. ReplayGapError means resync. */
  async start(after: number | undefined): Promise<void> {
    await this.listenToPatterns();
    if (after !== undefined) {
      this.lastSeq = after;
      await this.catchUp(after);
    }
  }

  /** Starts delivering (queued events first). */
  attach(): void {
    this.attached = true;
    void this.drain();
  }

  stop(): void {
    this.finish(undefined);
  }

  private onEvent(event: BusEvent): void {
    if (this.ended) return;
    if (
      this.attached &&
      !this.draining &&
      this.queue.length === 0 &&
      !this.options.rules.needsRefresh(event)
    ) {
      this.handle(event); // the common case: no await, no queue
      return;
    }
    this.queue.push(event);
    if (this.queue.length > this.options.queueLimit) {
      this.options.onOverflow();
      this.finish(undefined);
      return;
    }
    if (this.attached) void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.ended) {
        const event = this.queue.shift()!;
        if (this.isStale(event)) continue;
        if (this.options.rules.needsRefresh(event)) {
          await this.options.rules.refresh(event);
          if (this.ended) return;
          const widened = await this.listenToPatterns();
          this.handle(event);
          if (widened && event.seq !== undefined) await this.catchUp(event.seq);
        } else this.handle(event);
      }
    } catch (error) {
      this.options.onError?.(error);
      this.finish(
        error instanceof ReplayGapError
          ? resyncRequired('Too many events were missed while access changed.')
          : error instanceof DomainError
            ? error
            : new DomainError(
                'SERVICE_UNAVAILABLE',
                'Access could not be checked. Resubscribe with your last cursor.',
              ),
      );
    } finally {
      this.draining = false;
    }
  }

  private isStale(event: BusEvent): boolean {
    return event.seq !== undefined && event.seq <= this.lastSeq;
  }

  private handle(event: BusEvent): void {
    if (this.isStale(event)) return;
    if (event.seq !== undefined) this.lastSeq = event.seq;
    const verdict = this.options.rules.decide(event);
    if (verdict === 'deliver') this.options.deliver(event);
    else if (verdict !== 'skip') this.finish(verdict);
  }

  /** Replays the log after seq and merges it, in seq order, with what is queued. */
  private async catchUp(seq: number): Promise<void> {
    const replayed: BusEvent[] = [];
    await this.options.bus.replay(this.options.rules.replayPattern, seq, (e) => replayed.push(e), {
      maxEvents: this.options.maxReplay,
    });
    if (replayed.length > 0) this.queue = [...replayed, ...this.queue].sort(bySeq);
  }

  /** Adds and drops hub listens to match the rules; true when a subject was added. */
  private async listenToPatterns(): Promise<boolean> {
    const wanted = new Set(this.options.rules.patterns());
    for (const [pattern, listening] of this.listens)
      if (!wanted.has(pattern)) {
        listening.close();
        this.listens.delete(pattern);
      }
    const added: Promise<void>[] = [];
    for (const pattern of wanted)
      if (!this.listens.has(pattern)) {
        const listening = this.options.hub.listen(pattern, (event) => this.onEvent(event));
        this.listens.set(pattern, listening);
        added.push(listening.ready);
      }
    await Promise.all(added);
    return added.length > 0;
  }

  private finish(error: DomainError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    for (const listening of this.listens.values()) listening.close();
    this.listens.clear();
    this.options.onEnd(error);
  }
}
