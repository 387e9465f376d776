import { GraphQLError, type DocumentNode, type ExecutionResult } from 'graphql';

import type { Runner } from '../live/runner.ts';
import type { Principal } from '../principal.ts';

export interface HydrationRequest {
  /** The event hydrated: its id keys the shared result. */
  event: { id: string };
  shareKey: string;
  document: DocumentNode;
  variables: Record<string, unknown>;
  principal: Principal;
  field: string;
}

/**
 * Runs each (event, selection, scope) hydration once and shares the in-flight result with every
 * subscriber that asks within the TTL: N subscribers with one document cost one gateway execution.
 */
export class Hydrator {
  private readonly inFlight = new Map<string, Promise<ExecutionResult>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly run: Runner,
    private readonly ttlMs: number,
    private readonly onHydration: (field: string) => void,
    /** Gateway executions at once: the rest wait their turn, and requests keep theirs. */
    private readonly concurrency = 16,
  ) {}

  hydrate(request: HydrationRequest): Promise<ExecutionResult> {
    const key = `${request.event.id}\0${request.shareKey}`;
    let result = this.inFlight.get(key);
    if (!result) {
      this.onHydration(request.field);
      result = this.limited(() => this.run(request.document, request.variables, request.principal)).catch(
        (error: unknown): ExecutionResult => ({
          errors: [new GraphQLError(error instanceof Error ? error.message : String(error))],
        }),
      );
      this.inFlight.set(key, result);
      setTimeout(() => this.inFlight.delete(key), this.ttlMs).unref();
    }
    return result;
  }

  /** Runs work within the concurrency limit; a finishing run hands its slot to the next waiter. */
  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
