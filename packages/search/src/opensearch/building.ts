import { performance } from 'node:perf_hooks';

import type { Context } from './context.ts';

/**
 * Whether a full rebuild is building a new index, as this process last saw it.
 *
 * While `<prefix>-building` exists, live writes (upsert, remove) go to it as well as to the live
 * alias: the rebuild copies the message store as it was when it read each message, and an edit or
 * deletion after that read reaches the new index only this way.
 *
 * Asking on every write would double the requests of the indexer, so the answer is trusted for
 * `aliasCheckIntervalMs`, timed from when the question was sent (the alias was at least that
 * fresh). beginRebuild waits out that interval after creating the alias before it returns (see
 * rebuild.ts): by then every writer has seen the alias, and anything a writer sent to the live
 * index alone was committed to the store before the rebuild reads on.
 */
export class BuildingAlias {
  private seen: { exists: boolean; at: number } | undefined;
  private pending: Promise<boolean> | undefined;

  constructor(private readonly context: Context) {}

  /** True when writes must also go to the building alias. */
  async exists(): Promise<boolean> {
    const seen = this.seen;
    if (seen && performance.now() - seen.at < this.context.aliasCheckIntervalMs) return seen.exists;
    this.pending ??= this.check().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** What this process itself just did to the alias. */
  set(exists: boolean): void {
    this.seen = { exists, at: performance.now() };
  }

  /** A write found the alias gone: ask again next time. */
  forget(): void {
    this.seen = undefined;
  }

  /** How long a writer elsewhere may go on without seeing a new alias, plus a margin for clock rates and slow requests. */
  settleMs(): number {
    const interval = this.context.aliasCheckIntervalMs;
    return interval + Math.min(1000, interval);
  }

  private async check(): Promise<boolean> {
    const at = performance.now();
    const { body } = await this.context.client.indices.existsAlias({ name: this.context.names.building });
    const exists = body === true;
    // A set() while the question was out is newer news.
    if (!this.seen || this.seen.at <= at) this.seen = { exists, at };
    return exists;
  }
}
