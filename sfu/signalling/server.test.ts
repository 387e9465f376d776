import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { silentLogger } from '@gochat/log';
import {
  createReplayGuard,
  createVoiceTokenSigner,
  createVoiceTokenVerifier,
  generateVoiceKeyPair,
  publicJwkOf,
} from '@gochat/voice-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { PROTOCOL_LIMITS } from '../protocol/limits.ts';
import type { MediaRooms } from './media.ts';
import { createSignallingServer, SIGNAL_CLOSE, type SignallingServer } from './server.ts';
import { ALL_RIGHTS } from './testing/harness.ts';

const ISSUER = 'https://api.gochat.test';
const NODE = 'node-a';
const MAX_BAD_FRAMES = 5;

/**
 * The signalling endpoint's admission and validation over a real socket, with real tokens. No
 * media engine is given: every case here is decided before a room is opened, and a test that
 * reached one would fail on this engine's refusal.
 */
const noEngine: MediaRooms = {
  open: () => Promise.reject(new Error('no media engine in these tests')),
};

interface Reply {
  id?: number;
  ok?: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
}

describe('sfu signalling: admission and bad input', () => {
  let server: http.Server;
  let signalling: SignallingServer;
  let url: string;
  let sign: (grant: { channelId?: string; nodeId?: string }, at?: number) => Promise<string>;
  let forge: () => Promise<string>;

  beforeAll(async () => {
    const { privateJwk } = await generateVoiceKeyPair();
    const stranger = await generateVoiceKeyPair();
    signalling = createSignallingServer({
      verifier: createVoiceTokenVerifier({
        publicJwks: [publicJwkOf(privateJwk)],
        issuer: ISSUER,
        nodeId: NODE,
        replayGuard: createReplayGuard(),
      }),
      rooms: noEngine,
      log: silentLogger,
      authTimeoutMs: 500,
      maxBadFrames: MAX_BAD_FRAMES,
    });
    server = http.createServer((_, response) => response.writeHead(404).end());
    server.on('upgrade', (request, socket, head) => signalling.handleUpgrade(request, socket, head));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/signal`;
    const grantOf = (g: { channelId?: string; nodeId?: string }) => ({
      userId: 'user-1',
      channelId: g.channelId ?? 'channel-1',
      guildId: 'guild-1',
      nodeId: g.nodeId ?? NODE,
      rights: ALL_RIGHTS,
    });
    sign = async (g, at) =>
      (
        await createVoiceTokenSigner({
          privateJwk,
          issuer: ISSUER,
          ttlSeconds: 60,
          now: at ? () => at : undefined,
        }).sign(grantOf(g))
      ).token;
    forge = async () =>
      (
        await createVoiceTokenSigner({
          privateJwk: stranger.privateJwk,
          issuer: ISSUER,
          ttlSeconds: 60,
        }).sign(grantOf({}))
      ).token;
  });

  afterAll(async () => {
    await signalling.close();
    server.close();
  });

  /** An open socket, with its replies queued and its close recorded. */
  async function connect() {
    const socket = new WebSocket(url);
    const replies: Reply[] = [];
    const waiting: Array<(reply: Reply) => void> = [];
    socket.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as Reply;
      const next = waiting.shift();
      if (next) next(reply);
      else replies.push(reply);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await once(socket, 'open');
    let nextId = 1;
    return {
      socket,
      closed,
      reply: () =>
        new Promise<Reply>((resolve) => (replies.length ? resolve(replies.shift()!) : waiting.push(resolve))),
      request: (method: string, data: unknown = {}) => {
        const id = nextId++;
        socket.send(JSON.stringify({ id, method, data }));
        return id;
      },
    };
  }

  it('admits a valid token once: its replay on another socket is refused and closed', async () => {
    const token = await sign({});
    const first = await connect();
    const id = first.request('authenticate', { token });
    const welcome = await first.reply();
    expect(welcome).toMatchObject({
      id,
      ok: true,
      data: { peerId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });

    const second = await connect();
    second.request('authenticate', { token });
    expect(await second.reply()).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect((await second.closed).code).toBe(SIGNAL_CLOSE.unauthenticated);
    expect(first.socket.readyState).toBe(WebSocket.OPEN);
    first.socket.close();
  });

  it("refuses a forged, an expired, another node's and a garbage token, and closes the socket", async () => {
    const tokens = {
      forged: await forge(),
      expired: await sign({}, Date.now() - 10 * 60_000),
      otherNode: await sign({ nodeId: 'node-b' }),
      garbage: 'not.a.token',
    };
    for (const [name, token] of Object.entries(tokens)) {
      const peer = await connect();
      peer.request('authenticate', { token });
      const reply = await peer.reply();
      expect(reply, name).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
      expect(reply.error!.message, name).not.toContain(token);
      expect((await peer.closed).code, name).toBe(SIGNAL_CLOSE.unauthenticated);
    }
  });

  it('refuses any request before authentication, and closes', async () => {
    const peer = await connect();
    const id = peer.request('createTransport', { direction: 'send' });
    expect(await peer.reply()).toMatchObject({ id, ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect((await peer.closed).code).toBe(SIGNAL_CLOSE.unauthenticated);
  });

  it('closes a socket that does not authenticate in time', async () => {
    const peer = await connect();
    const { code, reason } = await peer.closed;
    expect(code).toBe(SIGNAL_CLOSE.unauthenticated);
    expect(reason).toMatch(/in time/);
  });

  it('answers a request out of order with CONFLICT, and keeps the socket', async () => {
    const peer = await connect();
    peer.request('authenticate', { token: await sign({}) });
    expect(await peer.reply()).toMatchObject({ ok: true });
    for (const [method, data] of [
      ['authenticate', { token: await sign({}) }],
      ['createTransport', { direction: 'send' }],
      ['consume', { producerId: 'p1' }],
      ['leave', {}],
    ] as const) {
      const id = peer.request(method, data);
      expect(await peer.reply(), method).toMatchObject({ id, ok: false, error: { code: 'CONFLICT' } });
    }
    expect(peer.socket.readyState).toBe(WebSocket.OPEN);
    peer.socket.close();
  });

  it('answers each malformed frame with BAD_REQUEST, then closes after too many; the server keeps serving', async () => {
    const peer = await connect();
    const frames: Array<string | Buffer> = [
      'not json',
      '{"id":1}',
      JSON.stringify({ id: 2, method: 'teleport', data: {} }),
      JSON.stringify({ id: 3, method: 'authenticate', data: { token: 42 } }),
      Buffer.from([0xde, 0xad]),
    ];
    for (const frame of frames) {
      peer.socket.send(frame, { binary: Buffer.isBuffer(frame) });
      expect(await peer.reply()).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(frames).toHaveLength(MAX_BAD_FRAMES);
    expect((await peer.closed).code).toBe(SIGNAL_CLOSE.badFrames);

    const next = await connect();
    next.request('authenticate', { token: await sign({}) });
    expect(await next.reply()).toMatchObject({ ok: true });
    next.socket.close();
  });

  it('drops a socket that sends a frame over the size limit', async () => {
    const peer = await connect();
    peer.socket.send('x'.repeat(PROTOCOL_LIMITS.frameBytes + 1));
    expect((await peer.closed).code).toBe(1009);
  });

  it('forgets closed sockets', async () => {
    await expect.poll(() => signalling.connections()).toBe(0);
  });
});
