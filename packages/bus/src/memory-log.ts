/** One stored event: its position, subject and encoded form (with seq). */
export interface LogEntry {
  seq: number;
  subject: string;
  json: string;
}

interface Slot {
  entry: LogEntry;
  evicted: boolean;
}

interface SubjectState {
  /** Slots of this subject's retained entries, oldest first (head at `start`). */
  slots: Slot[];
  start: number;
  /** The highest seq of this subject that is no longer retained, or 0. */
  evictedThrough: number;
}

/**
 * The memory bus's durable log. Retention is per subject, as JetStream's max_msgs_per_subject: each
 * subject keeps its last `perSubject` events, so one busy (or spammed) subject never evicts another's.
 * `capacity` bounds the whole log's memory; when it is reached the oldest event overall goes, and only
 * its own subject notices. seq starts at 1 and never repeats within one log.
 */
export class MemoryLog {
  /** Slots in seq order; evicted ones stay until the next compaction (amortized O(1) per append). */
  private slots: Slot[] = [];
  private head = 0;
  private retained = 0;
  private last = 0;
  private readonly subjects = new Map<string, SubjectState>();

  constructor(
    private readonly capacity: number,
    private readonly perSubject: number = capacity,
    /** Told of each entry retention drops (durable consumers count the ones they never got). */
    private readonly onEvict?: (entry: LogEntry) => void,
  ) {}

  append(subject: string, encode: (seq: number) => string): LogEntry {
    const seq = ++this.last;
    const slot: Slot = { entry: { seq, subject, json: encode(seq) }, evicted: false };
    this.slots.push(slot);
    this.retained++;
    let state = this.subjects.get(subject);
    if (!state) this.subjects.set(subject, (state = { slots: [], start: 0, evictedThrough: 0 }));
    state.slots.push(slot);
    if (state.slots.length - state.start > this.perSubject) this.evictOldestOf(state);
    while (this.retained > this.capacity) {
      while (this.slots[this.head]!.evicted) this.head++;
      this.evictOldestOf(this.subjects.get(this.slots[this.head]!.entry.subject)!);
    }
    this.compact();
    return slot.entry;
  }

  get lastSeq(): number {
    return this.last;
  }

  /**
   * The highest evicted seq above `after` among subjects accepted by `matches`, or 0: a replay after
   * `after` of those subjects would miss events.
   */
  evictedAfter(after: number, matches: (subject: string) => boolean): number {
    let highest = 0;
    for (const [subject, state] of this.subjects)
      if (state.evictedThrough > after && state.evictedThrough > highest && matches(subject))
        highest = state.evictedThrough;
    return highest;
  }

  /** Retained entries with seq > after, up to `to`, in seq order (a copy: the log may move meanwhile). */
  since(after: number, to: number): LogEntry[] {
    const out: LogEntry[] = [];
    for (let i = this.firstIndexAfter(after); i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      if (slot.entry.seq > to) break;
      if (!slot.evicted) out.push(slot.entry);
    }
    return out;
  }

  /**
   * Visits retained entries with seq > after, in seq order, until visit returns false. The log must not
   * be appended to during the visit.
   */
  scan(after: number, visit: (entry: LogEntry) => boolean): void {
    for (let i = this.firstIndexAfter(after); i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      if (!slot.evicted && !visit(slot.entry)) return;
    }
  }

  private firstIndexAfter(seq: number): number {
    let lo = this.head;
    let hi = this.slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.slots[mid]!.entry.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A subject's entries always leave oldest first, whichever limit evicts them. */
  private evictOldestOf(state: SubjectState): void {
    const slot = state.slots[state.start]!;
    slot.evicted = true;
    state.start++;
    state.evictedThrough = slot.entry.seq;
    this.retained--;
    this.onEvict?.(slot.entry);
    if (state.start > 64 && state.start * 2 > state.slots.length) {
      state.slots = state.slots.slice(state.start);
      state.start = 0;
    }
  }

  /** Drops evicted slots once they outnumber the retained ones, so holes cannot grow without bound. */
  private compact(): void {
    while (this.head < this.slots.length && this.slots[this.head]!.evicted) this.head++;
    if (this.slots.length - this.retained > Math.max(1024, this.retained)) {
      this.slots = this.slots.filter((slot) => !slot.evicted);
      this.head = 0;
    }
  }
}
