import type { PresenceChange } from '@gochat/presence';

interface Sent {
  at: number;
  key: string;
}

/**
 * At most one presence publish per user per window: a change within the window of the last publish
 * waits for the window's end, and only the latest state then goes out (or nothing, when it is the
 * state last published). A client flipping its status 300 times a second costs its guilds one event
 * a second, not 300 per guild (issue 11, item 6).
 */
export class PresenceCoalescer {
  private readonly lastSent = new Map<string, Sent>();
  private readonly pending = new Map<string, { change: PresenceChange; timer: NodeJS.Timeout }>();

  constructor(
    private readonly windowMs: number,
    private readonly send: (change: PresenceChange) => Promise<void>,
    /** A deferred publish failed (nobody awaits it). */
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Publishes now, or when the user's window ends. Resolves once this change is sent or queued. */
  offer(change: PresenceChange): Promise<void> {
    const userId = change.after.userId;
    const waiting = this.pending.get(userId);
    if (waiting) {
      // The guilds to tell are the union: a guild left meanwhile still learns the last state.
      const audience = [...new Set([...waiting.change.audience, ...change.audience])];
      waiting.change = { ...change, audience };
      return Promise.resolve();
    }
    const last = this.lastSent.get(userId);
    const now = this.now();
    if (!last || now - last.at >= this.windowMs) return this.publish(change);
    const timer = setTimeout(
      () => {
        this.flush(userId).catch(this.onError);
      },
      last.at + this.windowMs - now,
    );
    timer.unref();
    this.pending.set(userId, { change, timer });
    return Promise.resolve();
  }

  /** Sends every waiting change now (a draining router). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((userId) => this.flush(userId)));
  }

  /** Forgets windows that have passed, so the map holds only recently active users. */
  prune(): void {
    const now = this.now();
    for (const [userId, sent] of this.lastSent)
      if (now - sent.at >= this.windowMs && !this.pending.has(userId)) this.lastSent.delete(userId);
  }

  private async flush(userId: string): Promise<void> {
    const waiting = this.pending.get(userId);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.pending.delete(userId);
    if (this.lastSent.get(userId)?.key === keyOf(waiting.change)) return;
    await this.publish(waiting.change);
  }

  private publish(change: PresenceChange): Promise<void> {
    this.lastSent.set(change.after.userId, { at: this.now(), key: keyOf(change) });
    return this.send(change);
  }
}

const keyOf = (change: PresenceChange) => `${change.after.status}\0${change.after.customStatus ?? ''}`;
