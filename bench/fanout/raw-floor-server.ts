/**
 * The floor of bench:fanout: a bare `ws` server that speaks just enough graphql-transport-ws
 * (connection_init, subscribe, ping, complete) and, for each message on one core NATS subject,
 * builds the frame GoChat would send (the same RealtimeEvent envelope) once and writes the same bytes
 * to every subscribed socket. No auth, no bus log, no permissions: what a fan-out cannot go below.
 * Run: tsx bench/fanout/raw-floor-server.ts --port <n> --nats <url> --subject <subject> --epoch <e>
 *   --first-seq <n>
 * Prints one JSON line with "listening" and its url when ready; GET /stats answers its counters.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { connect } from '@nats-io/transport-node';
import { WebSocketServer, type WebSocket } from 'ws';

function argument(name: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : undefined;
  if (!value) throw new Error(`missing --${name}`);
  return value;
}

interface PublishedEvent {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

const port = Number(argument('port'));
const subject = argument('subject');
const nc = await connect({ servers: argument('nats') });
// Cursors shaped like GoChat's (its epoch, its sequence numbers), so frames have the same size.
const epoch = argument('epoch');
const subscribed = new Map<WebSocket, string>(); // socket -> operation id
let sequence = Number(argument('first-seq')) - 1;
let frames = 0;
let events = 0;

const server = http.createServer((request, response) => {
  if (request.url === '/stats') {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ sockets: wss.clients.size, subscribed: subscribed.size, frames, events }));
  } else response.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: '/graphql' });
wss.on('connection', (socket) => {
  socket.on('message', (raw) => {
    let message: { type?: string; id?: string };
    try {
      message = JSON.parse((raw as Buffer).toString()) as { type?: string; id?: string };
    } catch {
      socket.close(4400, 'Invalid message');
      return;
    }
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe' && message.id) subscribed.set(socket, message.id);
    else if (message.type === 'complete') subscribed.delete(socket);
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
  });
  socket.once('close', () => subscribed.delete(socket));
});

// Subscribers of one operation id share one frame, as GoChat's subscribers of one selection share
// one payload; the bench gives every subscriber the same id, so one frame serves all.
const framesById = new Map<string, Buffer>();
const subscription = nc.subscribe(subject, {
  callback: (error, msg) => {
    if (error) return;
    const event = msg.json<PublishedEvent>();
    const cursor = `${epoch}.${++sequence}`;
    const payload = JSON.stringify({
      data: { channelEvents: { cursor, type: event.type, data: event.data } },
      extensions: { cursor },
    });
    framesById.clear();
    events++;
    for (const [socket, id] of subscribed) {
      let frame = framesById.get(id);
      if (!frame) {
        frame = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
        framesById.set(id, frame);
      }
      socket.send(frame);
      frames++;
    }
  },
});

server.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: 'raw floor: listening', url: `http://127.0.0.1:${bound}` }));
});

const shutdown = () => {
  subscription.unsubscribe();
  for (const socket of wss.clients) socket.terminate();
  server.close();
  void nc.close().finally(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
