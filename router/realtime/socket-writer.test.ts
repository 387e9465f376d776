import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

import { REALTIME_CLOSE, SocketWriter, WriteBatch } from './socket-writer.ts';
import { textFrame } from './ws-frame.ts';

interface Pair {
  server: WebSocket;
  tcp: Duplex;
  client: WebSocket;
  /** Every message the client received, in order. */
  received: { text: string; binary: boolean }[];
  closed: Promise<number>;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((stop) => stop()));
});

/** A real ws server and client on loopback, with the server side's TCP socket, as router/ws.ts keeps it. */
async function pairs(count: number): Promise<Pair[]> {
  const http1 = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const accepted: { server: WebSocket; tcp: Duplex }[] = [];
  http1.on('upgrade', (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => accepted.push({ server: ws, tcp: socket })),
  );
  await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
  const { port } = http1.address() as AddressInfo;
  const clients: Omit<Pair, 'server' | 'tcp'>[] = [];
  for (let i = 0; i < count; i++) {
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    const received: Pair['received'] = [];
    // A text message arrives as one Buffer (ws's default binaryType).
    client.on('message', (data, binary) =>
      received.push({ text: (data as Buffer).toString('utf8'), binary }),
    );
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    clients.push({ client, received, closed });
  }
  await expect.poll(() => accepted.length).toBe(count);
  open.push(async () => {
    for (const { client } of clients) client.terminate();
    for (const { server } of accepted) server.terminate();
    await new Promise((resolve) => wss.close(resolve));
    await new Promise((resolve) => http1.close(resolve));
  });
  return clients.map((c, i) => ({ ...c, ...accepted[i]! }));
}

const frame = (text: string) => textFrame([Buffer.from(text)]);

describe('textFrame', () => {
  it('is read by a ws client as the same text at every length encoding', async () => {
    const [pair] = await pairs(1);
    // 7-bit lengths end at 125, 16-bit at 65,535; past that the 64-bit form.
    const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 300_000];
    const texts = lengths.map((n, i) => 'é'.repeat(Math.floor(n / 2)) + String(i % 10).repeat(n % 2));
    for (const text of texts) pair!.tcp.write(textFrame([Buffer.from(text)]));
    await expect.poll(() => pair!.received.length).toBe(texts.length);
    expect(pair!.received.map((m) => m.text)).toEqual(texts);
    expect(pair!.received.every((m) => !m.binary)).toBe(true);
  });

  it('joins its parts, and interleaves whole with the frames ws writes itself', async () => {
    const [pair] = await pairs(1);
    pair!.server.send('from ws 1');
    pair!.tcp.write(textFrame([Buffer.from('{"id":'), Buffer.from('"7"'), Buffer.from('}')]));
    pair!.server.send('from ws 2');
    await expect
      .poll(() => pair!.received.map((m) => m.text))
      .toEqual(['from ws 1', '{"id":"7"}', 'from ws 2']);
  });
});

/** Counts the writes a TCP socket hands to the OS: one per `_write`, one per `_writev` (of n chunks). */
function countWrites(tcp: Duplex): { chunks: number[] } {
  const seen = { chunks: [] as number[] };
  const socket = tcp as Duplex & {
    _write: (chunk: Buffer, encoding: BufferEncoding, cb: (error?: Error | null) => void) => void;
    _writev: (chunks: { chunk: Buffer }[], cb: (error?: Error | null) => void) => void;
  };
  const write = socket._write.bind(socket);
  const writev = socket._writev.bind(socket);
  socket._write = (chunk, encoding, cb) => {
    seen.chunks.push(1);
    write(chunk, encoding, cb);
  };
  socket._writev = (chunks, cb) => {
    seen.chunks.push(chunks.length);
    writev(chunks, cb);
  };
  return seen;
}

/** Resolves after the turn's setImmediate callbacks, when a batch has flushed. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

describe('SocketWriter with a WriteBatch', () => {
  it('writes at once outside a batch; inside one, after the turn, in order per socket', async () => {
    const [a, b] = await pairs(2);
    const batch = new WriteBatch();
    const writerA = new SocketWriter(a!.server, a!.tcp, 1 << 20, () => {}, batch);
    const writerB = new SocketWriter(b!.server, b!.tcp, 1 << 20, () => {}, batch);
    const writesA = countWrites(a!.tcp);
    const writesB = countWrites(b!.tcp);
    expect(writerA.send(frame('a0'))).toBe(true);
    expect(writesA.chunks).toEqual([1]);
    batch.run(() => {
      expect(writerA.send(frame('a1'))).toBe(true);
      expect(writerB.send(frame('b1'))).toBe(true);
      expect(writerA.send(frame('a2'))).toBe(true);
    });
    // Queued in the sockets, not handed to the OS yet.
    expect(writesA.chunks).toEqual([1]);
    expect(writesB.chunks).toEqual([]);
    await expect.poll(() => a!.received.map((m) => m.text)).toEqual(['a0', 'a1', 'a2']);
    await expect.poll(() => b!.received.map((m) => m.text)).toEqual(['b1']);
    expect(writesA.chunks).toEqual([1, 2]);
    expect(writesB.chunks).toEqual([1]);
  });

  it("coalesces the frames of a turn's events into one write per socket, and writes the next turn's apart", async () => {
    const [a, b] = await pairs(2);
    const batch = new WriteBatch();
    const writers = [a!, b!].map((p) => new SocketWriter(p.server, p.tcp, 1 << 20, () => {}, batch));
    const writes = [a!, b!].map((p) => countWrites(p.tcp));
    // Three events in one turn (as a burst from NATS, or sends committed together), each to both.
    for (let event = 0; event < 3; event++)
      batch.run(() => {
        for (const writer of writers) expect(writer.send(frame(`e${event}`))).toBe(true);
      });
    await nextTurn();
    batch.run(() => {
      for (const writer of writers) writer.send(frame('e3'));
    });
    for (const pair of [a!, b!])
      await expect.poll(() => pair.received.map((m) => m.text)).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(writes.map((w) => w.chunks)).toEqual([
      [3, 1],
      [3, 1],
    ]);
  });

  it('keeps the order with what ws writes meanwhile, its close frame included', async () => {
    const [a] = await pairs(1);
    const batch = new WriteBatch();
    const writer = new SocketWriter(a!.server, a!.tcp, 1 << 20, () => {}, batch);
    batch.run(() => expect(writer.send(frame('from the feed'))).toBe(true));
    a!.server.send('from ws');
    writer.close(1000, 'bye');
    expect(writer.send(frame('after the close'))).toBe(false);
    expect(await a!.closed).toBe(1000);
    expect(a!.received.map((m) => m.text)).toEqual(['from the feed', 'from ws']);
  });

  it('counts queued bytes against the slow-consumer limit and closes with 4008 past it', async () => {
    const [a] = await pairs(1);
    const batch = new WriteBatch();
    let slow = 0;
    const one = frame('x'.repeat(100));
    const writer = new SocketWriter(a!.server, a!.tcp, one.length * 2, () => slow++, batch);
    const accepted: boolean[] = [];
    batch.run(() => {
      for (let i = 0; i < 3; i++) accepted.push(writer.send(one));
    });
    expect(accepted).toEqual([true, true, false]);
    expect(slow).toBe(1);
    expect(await a!.closed).toBe(REALTIME_CLOSE.slowConsumer);
    // The two accepted ones were delivered before the close.
    expect(a!.received.map((m) => m.text.length)).toEqual([100, 100]);
  });
});
