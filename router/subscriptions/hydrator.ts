import type { BusEvent } from '@gochat/bus';
import { GraphQLError, type DocumentNode, type ExecutionResult } from 'graphql';

import type { Principal } from '../principal.ts';

/** Executes an operation through the gateway as the given principal (in-process, no HTTP). */
export type Runner = (
  document: DocumentNode,
  variables: Record<string, unknown>,
  principal: Principal,
) => Promise<ExecutionResult>;

export interface HydrationRequest {
  event: BusEvent;
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

  constructor(
    private readonly run: Runner,
    private readonly ttlMs: number,
    private readonly onHydration: (field: string) => void,
  ) {}

  hydrate(request: HydrationRequest): Promise<ExecutionResult> {
    const key = `${request.event.id}\0${request.shareKey}`;
    let result = this.inFlight.get(key);
    if (!result) {
      this.onHydration(request.field);
      result = this.run(request.document, request.variables, request.principal).catch(
        (error: unknown): ExecutionResult => ({
          errors: [new GraphQLError(error instanceof Error ? error.message : String(error))],
        }),
      );
      this.inFlight.set(key, result);
      setTimeout(() => this.inFlight.delete(key), this.ttlMs).unref();
    }
    return result;
  }
}
