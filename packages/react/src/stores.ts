/**
 * Small external stores for what the feed says but the API has no field for: who is typing (ephemeral
 * events), who is online (presence arrives only as events; a feed starts with a snapshot), and the
 * realtime connection's state. React reads them with useSyncExternalStore.
 */
import type { EventOf } from '@gochat/events';

type Listener = () => void;

class Store<T> {
  private readonly listeners = new Set<Listener>();
  constructor(protected value: T) {}
  get = (): T => this.value;
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  protected set(value: T): void {
    this.value = value;
    for (const listener of this.listeners) listener();
  }
}

export type PresenceStatus = 'online' | 'idle' | 'dnd' | 'offline';

/** Each user's presence as the feed last told it; unknown users are offline. */
export class PresenceStore extends Store<ReadonlyMap<string, PresenceStatus>> {
  constructor() {
    super(new Map());
  }
  update(userId: string, status: PresenceStatus): void {
    if (this.value.get(userId) === status) return;
    const next = new Map(this.value);
    next.set(userId, status);
    this.set(next);
  }
  clear(): void {
    this.set(new Map());
  }
}

/** Typing users per channel, each until the time the event gave (10 s), or until they send. */
export class TypingStore extends Store<ReadonlyMap<string, ReadonlyMap<string, number>>> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(private readonly now: () => number = Date.now) {
    super(new Map());
  }
  started(channelId: string, userId: string, expiresAt: number): void {
    const next = new Map(this.value);
    next.set(channelId, new Map(next.get(channelId)).set(userId, expiresAt));
    this.set(next);
    this.schedule();
  }
  stopped(channelId: string, userId: string): void {
    if (!this.value.get(channelId)?.has(userId)) return;
    const next = new Map(this.value);
    const users = new Map(next.get(channelId));
    users.delete(userId);
    next.set(channelId, users);
    this.set(next);
  }
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const soonest = Math.min(...[...this.value.values()].flatMap((users) => [...users.values()]));
    if (!Number.isFinite(soonest)) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, soonest - this.now()) + 50);
  }
  private expire(): void {
    const now = this.now();
    const next = new Map<string, ReadonlyMap<string, number>>();
    for (const [channelId, users] of this.value) {
      const live = new Map([...users].filter(([, until]) => until > now));
      if (live.size) next.set(channelId, live);
    }
    this.set(next);
    this.schedule();
  }
}

export type ConnectionStatus = 'offline' | 'connecting' | 'online' | 'reconnecting';

export class ConnectionStore extends Store<ConnectionStatus> {
  constructor() {
    super('offline');
  }
  update(status: ConnectionStatus): void {
    if (status !== this.value) this.set(status);
  }
}

/** A voice event of the feed, as docs/events.md gives it: for the call a client is in. */
export type VoiceFeedEvent = EventOf<'VoiceStateUpdated'> | EventOf<'VoiceRoomMigrating'>;

/**
 * The feed's voice events, for the code that runs the viewer's own call: it follows moves and
 * disconnects by moderators, its own mute by another device, and rooms migrating to another node.
 * The cache is kept live apart from this (live-cache.ts).
 */
export class VoiceEvents {
  private readonly listeners = new Set<(event: VoiceFeedEvent) => void>();
  subscribe = (listener: (event: VoiceFeedEvent) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  emit(event: VoiceFeedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // One listener's failure must not stop the feed (or the other listeners).
        console.error('voice event listener failed', error);
      }
    }
  }
}
