import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  GraphQLError,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { handleProtocols, makeServer, MessageType, stringifyMessage } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';

import { TickLog, type TickEvent } from './tick-log.ts';

export interface TicksServer {
  url: string;
  log: TickLog;
  /** Every connection_init: the bearer token and presence it carried. */
  connections: Array<{ token: string | undefined; presence: unknown }>;
  /** Every `ticks` subscribe, with its `after` variable. */
  subscribes: Array<{ after: string | undefined }>;
  /** Close codes of server-side sockets, as they closed (client-sent codes included). */
  closeCodes: number[];
  /** `ticks` values sent on open sockets, duplicates included. */
  ticksSent: number;
  /** Times the slow mutation and the slow query ran. */
  runs: { increment: number; slowEcho: number };
  /** While false, client pings get no pong. */
  answerPings: boolean;
  /** Tokens refused at connection_init with 4401. */
  acceptToken: (token: string | undefined) => boolean;
  /** How a too-old cursor is refused: a graphql-ws `error` message, or a `next` with errors then complete. */
  resyncAs: 'error' | 'next';
  /** Misbehaviour for the dedupe test: replay this many events before the cursor too. */
  replayOverlap: number;
  closeAll(code: number, reason?: string): void;
  terminateAll(): void;
  close(): Promise<void>;
}

const resyncRequired = () =>
  new GraphQLError('The cursor is too old; refetch.', { extensions: { code: 'RESYNC_REQUIRED' } });

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A graphql-ws server (makeServer on `ws`) with a tiny schema: `ticks(after)` streams numbers from a
 * TickLog with extensions.cursor on each, resuming from `after` the way the router does.
 */
export async function startTicksServer(): Promise<TicksServer> {
  const log = new TickLog();
  const sockets = new Set<WebSocket>();

  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        echo: {
          type: new GraphQLNonNull(GraphQLString),
          args: { text: { type: new GraphQLNonNull(GraphQLString) } },
          resolve: (_root, { text }: { text: string }) => {
            if (text === 'fail')
              throw new GraphQLError('Echo refused.', { extensions: { code: 'VALIDATION' } });
            return text;
          },
        },
        slowEcho: {
          type: new GraphQLNonNull(GraphQLString),
          args: { text: { type: new GraphQLNonNull(GraphQLString) }, ms: { type: GraphQLInt } },
          resolve: async (_root, { text, ms }: { text: string; ms: number | null }) => {
            server.runs.slowEcho++;
            await delay(ms ?? 100);
            return text;
          },
        },
      },
    }),
    mutation: new GraphQLObjectType({
      name: 'Mutation',
      fields: {
        slowIncrement: {
          type: new GraphQLNonNull(GraphQLInt),
          args: { ms: { type: GraphQLInt } },
          resolve: async (_root, { ms }: { ms: number | null }) => {
            const value = ++server.runs.increment;
            await delay(ms ?? 100);
            return value;
          },
        },
      },
    }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        ticks: {
          type: new GraphQLNonNull(GraphQLInt),
          args: { after: { type: GraphQLString } },
          subscribe: (_root, { after }: { after?: string | null }) => {
            if (after == null) return log.stream(log.head + 1);
            const seq = log.resumePoint(after);
            if (seq === undefined) throw resyncRequired();
            return log.stream(Math.max(log.oldest, seq + 1 - server.replayOverlap));
          },
          resolve: (event: TickEvent) => {
            if ('kick' in event) throw new GraphQLError('Subscription ended.', { extensions: event.kick });
            return event.seq;
          },
        },
      },
    }),
  });

  const graphqlWs = makeServer<Record<string, unknown> | undefined, { socket: WebSocket }>({
    schema,
    onConnect: (ctx) => {
      const authorization = ctx.connectionParams?.authorization;
      const token = typeof authorization === 'string' ? authorization.replace(/^Bearer /, '') : undefined;
      server.connections.push({ token, presence: ctx.connectionParams?.presence });
      if (server.acceptToken(token)) return true;
      ctx.extra.socket.close(4401, 'Token expired');
      return false;
    },
    onSubscribe: (_ctx, _id, payload) => {
      if (!payload.query.includes('ticks')) return undefined;
      const after = payload.variables?.after;
      server.subscribes.push({ after: typeof after === 'string' ? after : undefined });
      if (server.resyncAs === 'error' && typeof after === 'string' && log.resumePoint(after) === undefined)
        return [resyncRequired()];
      return undefined;
    },
    onNext: (ctx, _id, _payload, _args, result) => {
      const ticks = (result.data as { ticks?: unknown } | null | undefined)?.ticks;
      if (typeof ticks !== 'number') return undefined;
      if (ctx.extra.socket.readyState === ctx.extra.socket.OPEN) server.ticksSent++;
      return { data: result.data, extensions: { cursor: log.cursorOf(ticks) } };
    },
  });

  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: '/graphql', handleProtocols });
  wss.on('connection', (socket) => {
    sockets.add(socket);
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => {
          if (socket.readyState === socket.OPEN) socket.close(code, reason);
        },
        onMessage: (handle) =>
          socket.on('message', (data) => {
            handle((data as Buffer).toString()).catch(() => socket.terminate());
          }),
        // Implementing onPing stops graphql-ws from answering pings itself.
        onPing: () => {
          if (server.answerPings) socket.send(stringifyMessage({ type: MessageType.Pong }));
        },
      },
      { socket },
    );
    socket.once('close', (code, reason) => {
      sockets.delete(socket);
      server.closeCodes.push(code);
      void closed(code, String(reason));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));

  const server: TicksServer = {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`,
    log,
    connections: [],
    subscribes: [],
    closeCodes: [],
    ticksSent: 0,
    runs: { increment: 0, slowEcho: 0 },
    answerPings: true,
    acceptToken: () => true,
    resyncAs: 'error',
    replayOverlap: 0,
    closeAll: (code, reason = '') => {
      for (const socket of sockets) socket.close(code, reason);
    },
    terminateAll: () => {
      for (const socket of sockets) socket.terminate();
    },
    close: async () => {
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return server;
}
