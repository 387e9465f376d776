/** One stored event: its position, subject and encoded form (with seq). */
export interface LogEntry {
  seq: number;
  subject: string;
  json: string;
}

/**
 * The memory bus's durable log: the last `capacity` stored events in a ring, so appends stay O(1) and
 * memory stays bounded. seq starts at 1 and never repeats within one bus.
 */
export class MemoryLog {
  private readonly ring: (LogEntry | undefined)[];
  private count = 0;
  private last = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<LogEntry | undefined>(capacity);
  }

  append(subject: string, encode: (seq: number) => string): LogEntry {
    const seq = ++this.last;
    const entry = { seq, subject, json: encode(seq) };
    this.ring[(seq - 1) % this.capacity] = entry;
    this.count = Math.min(this.count + 1, this.capacity);
    return entry;
  }

  get lastSeq(): number {
    return this.last;
  }

  /** The oldest retained seq, or lastSeq + 1 when empty. */
  get firstSeq(): number {
    return this.last - this.count + 1;
  }

  /** Entries with from <= seq <= to, all of which must be retained. */
  range(from: number, to: number): LogEntry[] {
    const entries: LogEntry[] = [];
    for (let seq = from; seq <= to; seq++) entries.push(this.ring[(seq - 1) % this.capacity]!);
    return entries;
  }
}
