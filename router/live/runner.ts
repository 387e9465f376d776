import type { DocumentNode, ExecutionResult } from 'graphql';

import type { Principal } from '../principal.ts';

/** Executes an operation through the gateway as the given principal (in-process, no HTTP). */
export type Runner = (
  document: DocumentNode,
  variables: Record<string, unknown>,
  principal: Principal,
) => Promise<ExecutionResult>;
