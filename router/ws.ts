import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import { DomainError } from '@gochat/errors';
import type { Lifecycle } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import { GraphQLError, Kind, OperationTypeNode, type ExecutionArgs } from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';

import { getArgumentValues } from 'graphql/execution/values.js';

import type { RouterMetrics } from './metrics.ts';
import type { OperationLimits } from './operation-limits.ts';
import { REALTIME_CLOSE } from './realtime/socket-writer.ts';
import {
  engineOperation,
  feedOperation,
  gatewayOperation,
  presenceOperation,
  type RootValue,
} from './ws-operations.ts';
import type { RealtimeConnection, RealtimeConnections } from './realtime/connections.ts';
import type { RealtimeFeeds } from './realtime/feeds.ts';
import type { JwtAuthenticator, Principal } from './principal.ts';
import { isPrepared, type SubscriptionEngine } from './subscriptions/engine.ts';
import { admitOperation } from './ws-admission.ts';
import { envelopedRouter, type RouterServerContext, type RouterYoga } from './yoga.ts';

/** Close codes clients act on; documented in docs/subscriptions.md. */
export const CLOSE_CODES = {
  ...REALTIME_CLOSE,
  /** No, malformed, forged or expired token: get a fresh JWT, then reconnect. */
  unauthorized: 4401,
  /** The router is draining for a restart: reconnect (to any router) after a jittered delay. */
  serviceRestart: 1012,
} as const;

type Extra = {
  socket: WebSocket;
  request: IncomingMessage;
  principal?: Principal;
  /** Read from the upgrade request at connect; the request itself is then let go (memory). */
  clientIp?: string;
  realtime?: RealtimeConnection;
};

/**
 * graphql-ws on /graphql. Connections authenticate once with a JWT (connectionParams.authorization,
 * or the upgrade request's Authorization header). Queries and mutations run through the gateway;
 * subscriptions through the subscription engine.
 */
export function createGraphqlWs(options: {
  limits: OperationLimits;
  yoga: RouterYoga;
  engine: SubscriptionEngine;
  /** Admission, presence devices and lifecycles of the sockets. */
  connections: RealtimeConnections;
  /** The real-time feeds, written straight to those sockets. */
  realtimeFeeds: RealtimeFeeds;
  /** Subscription fields served by the real-time feeds. */
  feeds: ReadonlySet<string>;
  auth: JwtAuthenticator;
  log: Logger;
  metrics: RouterMetrics;
  lifecycle: Lifecycle;
  maxPayloadBytes: number;
  clientIp: (request: IncomingMessage) => string | undefined;
}) {
  const { yoga, engine, connections, realtimeFeeds, feeds, auth, log, metrics, lifecycle } = options;
  // No permessage-deflate: feeds write one pre-built frame to every socket (decision 0055).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayloadBytes,
    perMessageDeflate: false,
  });
  const sockets = new Set<WebSocket>();
  /** The TCP socket under each WebSocket: feeds write their pre-framed messages to it (socket-writer.ts). */
  const tcpSockets = new WeakMap<WebSocket, Duplex>();
  wss.on('connection', (socket: WebSocket) => {
    sockets.add(socket);
    metrics.wsConnections.inc();
    socket.once('close', () => {
      sockets.delete(socket);
      metrics.wsConnections.dec();
    });
  });

  const principalOf = (ctx: Context<Record<string, unknown> | undefined, Extra>): Principal => {
    if (!ctx.extra.principal) throw new Error('connection without a principal');
    return ctx.extra.principal;
  };

  useServer<Record<string, unknown> | undefined, Extra>(
    {
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.extra.request.headers.authorization;
        try {
          const principal = await auth.fromAuthorization(typeof header === 'string' ? header : undefined);
          if (principal.kind !== 'user') throw new Error('Sign in to open a connection.');
          ctx.extra.principal = principal;
          ctx.extra.clientIp = options.clientIp(ctx.extra.request);
          // Kept by graphql-ws for the connection's life otherwise: about a kilobyte per socket.
          (ctx.extra as { request?: IncomingMessage }).request = undefined;
        } catch (error) {
          ctx.extra.socket.close(CLOSE_CODES.unauthorized, truncate((error as Error).message));
          return false;
        }
        try {
          const tcp = tcpSockets.get(ctx.extra.socket);
          if (!tcp) throw new Error('connection without its TCP socket');
          const connection = await connections.open(
            ctx.extra.socket,
            tcp,
            ctx.extra.principal,
            ctx.connectionParams,
          );
          if (!connection) return false; // already closed with the reason
          ctx.extra.realtime = connection;
          const forget = options.limits.connect(connection.principal.userId, ctx);
          ctx.extra.socket.once('close', forget);
          // Read once; graphql-ws would keep the token and presence for the connection's life.
          (ctx as { connectionParams?: unknown }).connectionParams = undefined;
          return true;
        } catch (error) {
          log.error({ err: error }, 'graphql-ws: connection setup failed');
          ctx.extra.socket.close(1011, 'Internal error');
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const principal = principalOf(ctx);
        if (principal.kind === 'user') {
          const refused = options.limits.admit(principal.userId, ctx);
          if (refused) return [refused];
        }
        const serverContext: RouterServerContext = {
          principal,
          clientIp: ctx.extra.clientIp,
        };
        const router = envelopedRouter(yoga, serverContext);
        const { schema, execute, contextFactory } = router;
        const admitted = admitOperation(router, payload, log);
        if (Array.isArray(admitted)) return admitted;
        const { document, operation } = admitted;
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };

        const root = operation.selectionSet.selections[0];
        const rootField = root?.kind === Kind.FIELD ? root : undefined;
        const connection = ctx.extra.realtime;
        if (
          operation.operation === OperationTypeNode.SUBSCRIPTION &&
          rootField &&
          feeds.has(rootField.name.value)
        ) {
          if (!connection) return [new GraphQLError('Connection not ready.')];
          const fieldDef = schema.getSubscriptionType()!.getFields()[rootField.name.value]!;
          try {
            const variables = payload.variables ?? {};
            const { after: _after, ...shared } = variables;
            const prepared = await realtimeFeeds.prepare(
              connection,
              id,
              {
                schema,
                document,
                operationName: payload.operationName ?? null,
                variables,
                field: rootField.name.value,
                key: createHash('sha1')
                  .update(`${payload.query}\0${payload.operationName ?? ''}\0${JSON.stringify(shared)}`)
                  .digest('base64url'),
              },
              getArgumentValues(fieldDef, rootField, variables),
            );
            return feedOperation(args, prepared);
          } catch (error) {
            return [refusal(error, log)];
          }
        }
        if (
          operation.operation === OperationTypeNode.MUTATION &&
          rootField?.name.value === 'updatePresence' &&
          operation.selectionSet.selections.length === 1 &&
          connection
        ) {
          const fieldDef = schema.getMutationType()!.getFields().updatePresence!;
          const argValues = getArgumentValues(fieldDef, rootField, payload.variables ?? {});
          return presenceOperation(args, connections, connection, argValues);
        }
        if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
          const prepared = await engine.prepare(args, principal);
          if (!isPrepared(prepared)) return prepared;
          return engineOperation(args, engine, prepared);
        }
        return gatewayOperation(args, execute, await contextFactory());
      },
      execute: (args) => (args.rootValue as RootValue).execute(args),
      subscribe: (args) => (args.rootValue as RootValue).subscribe(args),
      onError: (_ctx, _id, _payload, errors) => {
        log.debug({ errors: errors.map((e) => e.message) }, 'graphql-ws: operation refused');
      },
    },
    wss,
    12_000,
  );

  // Draining: tell every client to reconnect elsewhere, then let the sockets finish closing.
  lifecycle.onDrain(() => {
    for (const socket of sockets) socket.close(CLOSE_CODES.serviceRestart, 'Service restarting');
  });
  lifecycle.defer('graphql-ws', async () => {
    const deadline = Date.now() + 3_000;
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const socket of sockets) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  return {
    onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
      const path = (request.url ?? '').split('?')[0];
      if (path !== '/graphql' || lifecycle.draining) {
        socket.end(
          `HTTP/1.1 ${lifecycle.draining ? '503 Service Unavailable' : '404 Not Found'}\r\nconnection: close\r\n\r\n`,
        );
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        tcpSockets.set(ws, socket);
        wss.emit('connection', ws, request);
      });
    },
  };
}

/** A feed refusal for the client: domain errors as they are, anything else masked and logged once. */
function refusal(error: unknown, log: Logger): GraphQLError {
  if (error instanceof DomainError) return error;
  const requestId = randomUUID();
  log.error({ err: error, requestId }, 'graphql-ws: feed failed to start');
  return new DomainError('INTERNAL_SERVER_ERROR', `Unexpected error (request ${requestId}).`);
}

/** WebSocket close reasons are limited to 123 bytes. */
function truncate(reason: string): string {
  return Buffer.byteLength(reason) <= 120 ? reason : `${reason.slice(0, 110)}…`;
}
