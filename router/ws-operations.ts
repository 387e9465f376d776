import { GraphQLError, execute as executeSelection, type ExecutionArgs, type ExecutionResult } from 'graphql';

import type { RealtimeConnection, RealtimeConnections } from './realtime/connections.ts';
import type { PreparedFeed } from './realtime/feeds.ts';
import type { PreparedSubscription, SubscriptionEngine } from './subscriptions/engine.ts';

/** How one graphql-ws operation runs: ws.ts puts it in the rootValue, graphql-ws calls it. */
export interface RootValue {
  execute(args: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult;
  subscribe(
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> | ExecutionResult;
}

// One function per kind of operation, so each closure keeps only what it needs alive: a closure
// created in a bigger scope would retain everything that scope's other closures use, for as long as
// the subscription lasts (the per-request gateway executor, for instance).

const notAQuery = (): ExecutionResult => ({ errors: [new GraphQLError('not a query')] });
const notASubscription = (): ExecutionResult => ({ errors: [new GraphQLError('not a subscription')] });

export function feedOperation(args: ExecutionArgs, prepared: PreparedFeed): ExecutionArgs {
  const rootValue: RootValue = {
    execute: notAQuery,
    subscribe() {
      return Promise.resolve(prepared.subscribe());
    },
  };
  return { ...args, rootValue };
}

export function engineOperation(
  args: ExecutionArgs,
  engine: SubscriptionEngine,
  prepared: PreparedSubscription,
): ExecutionArgs {
  const rootValue: RootValue = {
    execute: notAQuery,
    subscribe() {
      return Promise.resolve(engine.subscribe(prepared));
    },
  };
  return { ...args, rootValue };
}

/** updatePresence, served by the router for the connection's device. */
export function presenceOperation(
  args: ExecutionArgs,
  realtime: RealtimeConnections,
  connection: RealtimeConnection,
  argValues: Record<string, unknown>,
): ExecutionArgs {
  const rootValue: RootValue = {
    async execute(a) {
      const result = await realtime.updatePresence(connection, argValues);
      if (result.errors) return result;
      // Shapes the answer to the client's selection (aliases, __typename).
      return executeSelection({ ...a, rootValue: result.data });
    },
    subscribe: notASubscription,
  };
  return { ...args, rootValue };
}

export function gatewayOperation(
  args: ExecutionArgs,
  execute: (args: ExecutionArgs) => Promise<ExecutionResult> | ExecutionResult,
  contextValue: unknown,
): ExecutionArgs {
  const rootValue: RootValue = {
    execute(a) {
      return execute(a);
    },
    subscribe: notASubscription,
  };
  return { ...args, rootValue, contextValue };
}
