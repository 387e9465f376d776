import type { EventType } from '@gochat/events';
import type { Role } from '@gochat/lifecycle';

import type { WorkerDefinition } from './definition.ts';
import { startWorker, type WorkerDeps, type WorkerRuntime } from './runner.ts';

export type WorkerRoleName = `worker:${string}`;

/** A worker as the host runs it: no routes of its own (the host serves /health, /ready and /metrics). */
export interface WorkerRole extends Omit<Role, 'name'> {
  readonly name: WorkerRoleName;
  readonly runtime: WorkerRuntime;
}

export function createWorkerRole<T extends EventType>(
  definition: WorkerDefinition<T>,
  deps: WorkerDeps,
): WorkerRole {
  const runtime = startWorker(definition, deps);
  return {
    name: `worker:${definition.name}`,
    runtime,
    fetch: () =>
      Promise.resolve(
        Response.json({ error: 'A worker serves only /health, /ready and /metrics.' }, { status: 404 }),
      ),
  };
}
