import { ReplayGapError, type BusEvent, type EventBus } from '@gochat/bus';
import { DomainError } from '@gochat/errors';

import { resyncRequired } from './cursor.ts';
import { toLiveEvent, type LiveEvent } from './event.ts';
import type { View } from './redaction.ts';
import type { Listening, SubjectHub } from './subject-hub.ts';

/**
 * What a feed does with one event: deliver it (as stored, or as the viewer's version of it), skip it,
 * or end with an error.
 */
export type Verdict = 'deliver' | 'skip' | DomainError | View;

/** The per-field policy of a feed: which subjects, which events, when access must be re-read. */
export interface FeedRules {
  /** Subjects to listen on, given the access known now. */
  patterns(): string[];
  /** The stored subjects among them, which a resume replays (ephemeral typing and presence are not). */
  replayPatterns(): string[];
  /** True when the event may change the viewer's access: refresh() runs before decide(). */
  needsRefresh(event: LiveEvent): boolean;
  refresh(event: LiveEvent): Promise<void>;
  decide(event: LiveEvent): Verdict;
  /**
   * Keeps, of the events a resume replays from the client's cursor, only what the viewer's history
   * would show now (decision 0020). Without it, a replay is delivered as decide() says.
   */
  screenReplay?(events: LiveEvent[]): Promise<LiveEvent[]>;
}

export interface FeedOptions {
  hub: SubjectHub;
  bus: EventBus;
  rules: FeedRules;
  maxReplay: number;
  queueLimit: number;
  /** Sends one accepted event to the client, as the viewer's view of it when there is one. */
  deliver(event: LiveEvent, view: View | undefined): void;
  /** The feed ended: with an error for the client, or undefined when the client left. */
  onEnd(error: DomainError | undefined): void;
  /** The feed fell queueLimit events behind: its socket must close with 4008. */
  onOverflow(): void;
  /** Something failed while re-reading access or replaying (logged; the feed ends). */
  onError?(error: unknown): void;
}

const bySeq = (a: LiveEvent, b: LiveEvent) =>
  (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER);

/**
 * A resumable, ordered event stream over a changing set of subjects. Every stored event is handled
 * once and in log order (seq): live events are dropped when their seq was already handled, and after
 * a resume or a widening of access the log is replayed and merged with what arrived live meanwhile.
 */
export class Feed {
  private readonly listens = new Map<string, Listening>();
  /** The stored subjects the feed replayed or listens to since: a refresh replays only new ones. */
  private replayed: readonly string[] = [];
  private queue: LiveEvent[] = [];
  private lastSeq = 0;
  private attached = false;
  private draining = false;
  private ended = false;
  /**
   * Where the feed starts: the client's cursor on a resume, else the log's position once listening
   * (everything after it is delivered; everything up to it is in what the client queries).
   */
  startSeq = 0;
  private accessAsOf = 0;

  constructor(private readonly options: FeedOptions) {}

  /**
   * Listens, then replays the log after `after` into the queue. ReplayGapError means resync.
   * `accessAsOf` is the log position before the rules read the viewer's access: replayed events up to
   * it are already reflected there, so they neither re-read access nor end the feed (a kick the viewer
   * has since come back from must not end their resumed feed).
   */
  async start(after: number | undefined, accessAsOf = 0): Promise<void> {
    this.accessAsOf = accessAsOf;
    await this.listenToPatterns();
    if (after === undefined) {
      this.startSeq = this.lastSeq = await this.options.bus.position();
      this.replayed = [...this.options.rules.replayPatterns()];
      return;
    }
    this.startSeq = this.lastSeq = after;
    const patterns = this.options.rules.replayPatterns();
    this.replayed = [...patterns];
    await this.catchUp(patterns, after, true);
  }

  /** Starts delivering (queued events first). */
  attach(): void {
    this.attached = true;
    void this.drain();
  }

  stop(): void {
    this.finish(undefined);
  }

  private onEvent(event: LiveEvent): void {
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
        if (!this.isSettled(event) && this.options.rules.needsRefresh(event)) {
          await this.options.rules.refresh(event);
          if (this.ended) return;
          await this.listenToPatterns();
          this.handle(event);
          // Subjects just let in: what they carried between this event and the listen is in the log.
          const current = this.options.rules.replayPatterns();
          const before = new Set(this.replayed);
          const added = current.filter((p) => !before.has(p));
          this.replayed = [...current];
          if (added.length > 0 && event.seq !== undefined) await this.catchUp(added, event.seq, false);
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

  private isStale(event: LiveEvent): boolean {
    return event.seq !== undefined && event.seq <= this.lastSeq;
  }

  private isSettled(event: LiveEvent): boolean {
    return event.seq !== undefined && event.seq <= this.accessAsOf;
  }

  private handle(event: LiveEvent): void {
    if (this.isStale(event)) return;
    if (event.seq !== undefined) this.lastSeq = event.seq;
    const verdict = this.options.rules.decide(event);
    if (verdict === 'deliver') this.options.deliver(event, undefined);
    else if (verdict instanceof DomainError) {
      if (!this.isSettled(event)) this.finish(verdict);
    } else if (verdict !== 'skip') this.options.deliver(event, verdict);
  }

  /**
   * Replays the log after seq for the patterns and merges it, in seq order, with what is queued. A
   * replay from the client's cursor is screened: it may show only what history shows now.
   */
  private async catchUp(patterns: string[], seq: number, fromClient: boolean): Promise<void> {
    if (patterns.length === 0) return;
    let replayed: LiveEvent[] = [];
    await this.options.bus.replay(patterns, seq, (e) => addLive(replayed, e), {
      maxEvents: this.options.maxReplay,
    });
    const { rules } = this.options;
    if (fromClient && rules.screenReplay && replayed.length > 0)
      replayed = await rules.screenReplay(replayed);
    if (replayed.length > 0) this.queue = [...replayed, ...this.queue].sort(bySeq);
  }

  /** Adds and drops hub listens to match the rules. */
  private async listenToPatterns(): Promise<void> {
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

/** Keeps a replayed event the feeds can judge (see toLiveEvent). */
function addLive(events: LiveEvent[], event: BusEvent): void {
  const live = toLiveEvent(event);
  if (live) events.push(live);
}
