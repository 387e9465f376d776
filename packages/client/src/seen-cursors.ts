/**
 * The most recent cursors a subscription delivered. Cursors are opaque (no ordering may be assumed),
 * and duplicates can only come from around a resume, so a bounded window is enough.
 */
export class SeenCursors {
  private readonly cursors = new Set<string>();

  constructor(private readonly capacity = 1024) {}

  /** True the first time a cursor is seen; false for a duplicate. */
  add(cursor: string): boolean {
    if (this.cursors.has(cursor)) return false;
    this.cursors.add(cursor);
    if (this.cursors.size > this.capacity) {
      // Sets iterate in insertion order: the first one is the oldest.
      const oldest = this.cursors.values().next().value as string;
      this.cursors.delete(oldest);
    }
    return true;
  }
}
