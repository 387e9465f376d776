import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { createGoChatClient } from './client.ts';
import type { GoChatClientError } from './errors.ts';
import { startTicksServer, type TicksServer } from './testing/ticks-server.ts';
import type { GoChatClient, GoChatClientOptions } from './types.ts';

const TICKS = 'subscription Ticks($after: String) { ticks(after: $after) }';
const ECHO = 'query Echo($text: String!) { echo(text: $text) }';
const SLOW_ECHO = 'query SlowEcho($text: String!, $ms: Int) { slowEcho(text: $text, ms: $ms) }';
const SLOW_INCREMENT = 'mutation SlowIncrement($ms: Int) { slowIncrement(ms: $ms) }';

type Ticks = { ticks: number };

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function until(check: () => boolean, what: () => string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await delay(5);
  }
}

/** A sink that records everything it is given. */
function recorder() {
  const seen = {
    values: [] as number[],
    cursors: [] as string[],
    errors: [] as GoChatClientError[],
    completes: 0,
    resyncs: 0,
  };
  const sink = {
    next: (data: Ticks, meta: { cursor?: string }) => {
      seen.values.push(data.ticks);
      if (meta.cursor) seen.cursors.push(meta.cursor);
    },
    error: (error: GoChatClientError) => seen.errors.push(error),
    complete: () => seen.completes++,
    resync: () => seen.resyncs++,
  };
  return Object.assign(seen, { sink });
}

let server: TicksServer;
const clients: GoChatClient[] = [];

function connect(overrides: Partial<GoChatClientOptions> = {}): GoChatClient {
  const client = createGoChatClient({
    url: server.url,
    token: () => 'token-1',
    webSocketImpl: WebSocket,
    retryBaseMs: 10,
    retryMaxMs: 40,
    ...overrides,
  });
  clients.push(client);
  return client;
}

/** Subscribes to ticks and waits until the server streams to it. */
async function subscribeTicks(client: GoChatClient, sink: ReturnType<typeof recorder>['sink']) {
  const unsubscribe = client.subscribe<Ticks, { after?: string }>(TICKS, {}, sink);
  await until(
    () => server.log.activeStreams === 1,
    () => 'the ticks subscription',
  );
  return unsubscribe;
}

beforeEach(async () => {
  server = await startTicksServer();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await server.close();
});

describe('resume after a reconnect', () => {
  it.each([
    ['a terminated socket (network loss)', (s: TicksServer) => s.terminateAll()],
    ['4008 slow consumer', (s: TicksServer) => s.closeAll(4008, 'Slow consumer')],
    ['1012 service restart', (s: TicksServer) => s.closeAll(1012, 'Service restart')],
  ])('after %s: reconnects, resumes, and delivers every event once, in order', async (_case, drop) => {
    const reconnected: boolean[] = [];
    const client = connect({ onConnected: ({ reconnected: again }) => reconnected.push(again) });
    const ticks = recorder();
    await subscribeTicks(client, ticks.sink);
    const ticker = setInterval(() => server.log.append(), 2);
    let missed = 0;
    try {
      await until(
        () => ticks.values.length >= 10,
        () => 'the first 10 ticks',
      );
      drop(server);
      // Appended while the client is cut off: only a resume can deliver these.
      server.log.append(3);
      missed = server.log.head;
      await until(
        () => server.subscribes.length === 2 && ticks.values.length > missed + 10,
        () => `a resumed subscription (got ${ticks.values.length} of ${server.log.head})`,
      );
    } finally {
      clearInterval(ticker);
    }
    await until(
      () => ticks.values.length === server.log.head,
      () => `all ${server.log.head} ticks (got ${ticks.values.length})`,
    );

    expect(ticks.values).toEqual(range(1, server.log.head));
    const resumedFrom = server.subscribes[1]!.after;
    expect(ticks.cursors).toContain(resumedFrom);
    expect(server.subscribes[0]!.after).toBeUndefined();
    expect(Number(resumedFrom!.split('.')[1])).toBeLessThanOrEqual(missed - 3);
    expect(reconnected).toEqual([false, true]);
  });

  it('never delivers a cursor twice, even when the server replays too much', async () => {
    server.replayOverlap = 3;
    const client = connect();
    const ticks = recorder();
    await subscribeTicks(client, ticks.sink);
    server.log.append(5);
    await until(
      () => ticks.values.length === 5,
      () => '5 ticks',
    );
    server.terminateAll();
    server.log.append(3);
    await until(
      () => ticks.values.length === 8,
      () => `8 ticks (got ${ticks.values.join()})`,
    );
    server.log.append(2);
    await until(
      () => ticks.values.length === 10,
      () => `10 ticks (got ${ticks.values.join()})`,
    );

    expect(ticks.values).toEqual(range(1, 10));
    expect(new Set(ticks.cursors).size).toBe(10);
    expect(server.ticksSent).toBe(13); // ticks 3, 4 and 5 were sent twice
  });

  it.each(['error', 'next'] as const)(
    'on RESYNC_REQUIRED (as %s) calls resync(), then continues from live events',
    async (resyncAs) => {
      server.resyncAs = resyncAs;
      const client = connect();
      const ticks = recorder();
      await subscribeTicks(client, ticks.sink);
      server.log.append(3);
      await until(
        () => ticks.values.length === 3,
        () => '3 ticks',
      );
      server.terminateAll();
      server.log.append(5);
      server.log.forgetThrough(6); // cursor 3 can no longer resume
      await until(
        () => server.subscribes.length === 3 && server.log.activeStreams === 1,
        () => 'the refused resume and a fresh subscription',
      );
      server.log.append(2);
      await until(
        () => ticks.values.length === 5,
        () => `5 ticks (got ${ticks.values.join()})`,
      );

      expect(ticks.resyncs).toBe(1);
      expect(ticks.values).toEqual([1, 2, 3, 9, 10]);
      expect(server.subscribes.map((s) => s.after)).toEqual([undefined, server.log.cursorOf(3), undefined]);
      expect(ticks.errors).toEqual([]);
    },
  );

  it('without a resync() handler, RESYNC_REQUIRED ends the subscription with the error', async () => {
    const client = connect();
    const errors: GoChatClientError[] = [];
    client.subscribe<Ticks, object>(TICKS, {}, { next: () => {}, error: (e) => errors.push(e) });
    await until(
      () => server.log.activeStreams === 1,
      () => 'the ticks subscription',
    );
    server.log.append(1);
    await delay(20);
    server.terminateAll();
    server.log.append(2);
    server.log.forgetThrough(3);
    await until(
      () => errors.length === 1,
      () => 'the error',
    );
    expect(errors[0]).toMatchObject({ code: 'RESYNC_REQUIRED' });
    expect(server.subscribes).toHaveLength(2);
  });

  it('surfaces a FORBIDDEN final payload (kicked) as an error and does not resubscribe', async () => {
    const client = connect();
    const ticks = recorder();
    await subscribeTicks(client, ticks.sink);
    server.log.append(1);
    await until(
      () => ticks.values.length === 1,
      () => 'a tick',
    );
    server.log.kickAll('FORBIDDEN', 'KICKED');
    await until(
      () => ticks.errors.length === 1,
      () => 'the kick',
    );
    await delay(50);

    expect(ticks.errors[0]).toMatchObject({ code: 'FORBIDDEN', reason: 'KICKED' });
    expect(ticks.completes).toBe(0);
    expect(server.subscribes).toHaveLength(1);
    expect(server.log.activeStreams).toBe(0);
  });

  it.each(['SLOW_CONSUMER', 'SERVICE_UNAVAILABLE'])(
    'resumes from its cursor after a %s error',
    async (code) => {
      const client = connect();
      const ticks = recorder();
      await subscribeTicks(client, ticks.sink);
      server.log.append(2);
      await until(
        () => ticks.values.length === 2,
        () => '2 ticks',
      );
      server.log.kickAll(code);
      server.log.append(2);
      await until(
        () => ticks.values.length === 4,
        () => `4 ticks (got ${ticks.values.join()})`,
      );

      expect(ticks.values).toEqual([1, 2, 3, 4]);
      expect(ticks.errors).toEqual([]);
      expect(server.subscribes.map((s) => s.after)).toEqual([undefined, server.log.cursorOf(2)]);
      expect(server.connections).toHaveLength(1);
    },
  );
});

describe('close codes', () => {
  it('4401: calls token() again and resumes on the new connection', async () => {
    let issued = 0;
    const closes: number[] = [];
    const client = connect({
      token: () => Promise.resolve(`token-${++issued}`),
      presence: { status: 'IDLE', customStatus: 'brb' },
      onClosed: ({ code }) => closes.push(code),
    });
    server.acceptToken = (token) => token !== 'token-1' || issued === 1;
    const ticks = recorder();
    await subscribeTicks(client, ticks.sink);
    server.log.append(2);
    await until(
      () => ticks.values.length === 2,
      () => '2 ticks',
    );
    server.closeAll(4401, 'Token expired');
    server.log.append(2);
    await until(
      () => ticks.values.length === 4,
      () => `4 ticks (got ${ticks.values.join()})`,
    );

    expect(issued).toBe(2);
    expect(server.connections).toEqual([
      { token: 'token-1', presence: { status: 'IDLE', customStatus: 'brb' } },
      { token: 'token-2', presence: { status: 'IDLE', customStatus: 'brb' } },
    ]);
    expect(closes).toEqual([4401]);
    expect(server.subscribes[1]!.after).toBe(server.log.cursorOf(2));
    expect(ticks.values).toEqual([1, 2, 3, 4]);
  });

  it('4401 at connection_init: keeps fetching tokens until one is accepted', async () => {
    let issued = 0;
    server.acceptToken = (token) => token === 'token-3';
    const client = connect({ token: () => `token-${++issued}` });
    await expect(client.request<{ echo: string }, { text: string }>(ECHO, { text: 'hi' })).resolves.toEqual({
      echo: 'hi',
    });
    expect(server.connections.map((c) => c.token)).toEqual(['token-1', 'token-2', 'token-3']);
  });

  it.each([
    [4410, 'revoked'],
    [4429, 'connection-limit'],
    [4403, 'refused'],
  ] as const)('%i: no reconnect, onSessionEnded(%s), operations fail', async (code, reason) => {
    const ended: string[] = [];
    const client = connect({ onSessionEnded: (why) => ended.push(why) });
    const ticks = recorder();
    await subscribeTicks(client, ticks.sink);
    server.closeAll(code, 'bye');
    await until(
      () => ticks.errors.length === 1,
      () => 'the subscription error',
    );
    await delay(150); // retryMaxMs is 40: a reconnect would have happened by now

    expect(ended).toEqual([reason]);
    expect(server.connections).toHaveLength(1);
    expect(ticks.errors[0]).toMatchObject({ code: 'SESSION_ENDED', closeCode: code });
    await expect(client.request(ECHO, { text: 'hi' })).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    expect(server.connections).toHaveLength(1);
  });
});

describe('keep-alive', () => {
  it('closes a socket whose ping gets no pong with 4408, then reconnects', async () => {
    server.answerPings = false;
    const closes: number[] = [];
    connect({ keepAliveMs: 30, pongTimeoutMs: 60, onClosed: ({ code }) => closes.push(code) });
    await until(
      () => server.closeCodes.includes(4408) && server.connections.length >= 2,
      () => `a 4408 close and a reconnect (closes ${server.closeCodes.join()})`,
    );
    expect(server.closeCodes[0]).toBe(4408);
    expect(closes[0]).toBe(4408);
  });

  it('keeps a socket whose pings are answered', async () => {
    // A generous pong timeout: on a loaded machine a pong can take a while, and only a missing one may close.
    connect({ keepAliveMs: 20, pongTimeoutMs: 1_000 });
    await until(
      () => server.connections.length === 1,
      () => 'a connection',
    );
    await delay(300);
    expect(server.closeCodes).toEqual([]);
    expect(server.connections).toHaveLength(1);
  });
});

describe('request', () => {
  it('returns the data of a query, and rejects with the GraphQL errors', async () => {
    const client = connect();
    await expect(
      client.request<{ echo: string }, { text: string }>(ECHO, { text: 'hello' }),
    ).resolves.toEqual({
      echo: 'hello',
    });
    const typed = parse(ECHO) as TypedDocumentNode<{ echo: string }, { text: string }>;
    await expect(client.request(typed, { text: 'typed' })).resolves.toEqual({ echo: 'typed' });
    const failure = client.request(ECHO, { text: 'fail' });
    await expect(failure).rejects.toBeInstanceOf(Error);
    await expect(failure).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'Echo refused.',
      graphQLErrors: [expect.objectContaining({ message: 'Echo refused.', path: ['echo'] })],
    });
  });

  it('resends a query cut off by a reconnect', async () => {
    const client = connect();
    const answer = client.request<{ slowEcho: string }, object>(SLOW_ECHO, { text: 'again', ms: 100 });
    await until(
      () => server.runs.slowEcho === 1,
      () => 'the query to start',
    );
    server.terminateAll();
    await expect(answer).resolves.toEqual({ slowEcho: 'again' });
    expect(server.runs.slowEcho).toBe(2);
  });

  it('rejects a mutation cut off by a reconnect with CONNECTION_LOST instead of running it twice', async () => {
    const client = connect();
    const answer = client.request(SLOW_INCREMENT, { ms: 100 });
    await until(
      () => server.runs.increment === 1,
      () => 'the mutation to start',
    );
    server.terminateAll();
    await expect(answer).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    await expect(client.request(ECHO, { text: 'back' })).resolves.toEqual({ echo: 'back' });
    await delay(50);
    expect(server.runs.increment).toBe(1);
    expect(server.connections).toHaveLength(2);
  });
});

describe('dispose', () => {
  it('completes subscriptions, closes the socket and refuses new operations', async () => {
    const client = connect();
    const ticks = recorder();
    await subscribeTicks(client, ticks.sink);
    await client.dispose();
    await until(
      () => server.closeCodes.length === 1,
      () => 'the socket to close',
    );
    expect(ticks.completes).toBe(1);
    expect(server.closeCodes).toEqual([1000]);
    await expect(client.request(ECHO, { text: 'x' })).rejects.toMatchObject({ code: 'CLIENT_DISPOSED' });
    await delay(50);
    expect(server.connections).toHaveLength(1);
  });
});
