import http from 'node:http';

import {
  CreateGuildDocument,
  MessageCreatedDocument,
  createVerifiedUser,
  freePort,
  gqlOk,
  logMailbox,
  logRecords,
  startGochat,
  waitForMetric,
  wsConnect,
} from '@gochat/testkit';
import { describe, expect, it } from 'vitest';

import { SECRETS, tempConfig } from './support.ts';

/** Opens a POST whose body arrives in two parts; resolves the response once `finish` is called. */
function slowRequest(url: string, body: string) {
  const { hostname, port } = new URL(url);
  const request = http.request({
    host: hostname,
    port,
    path: '/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.once('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    request.once('error', reject);
  });
  request.write(body.slice(0, 10));
  return {
    finish: () => {
      request.end(body.slice(10));
      return response;
    },
    response,
  };
}

describe('lifecycle: SIGTERM on a real process', () => {
  it('fails readiness, closes sockets with 1012, finishes in-flight work, and exits 0', async () => {
    const { dir } = tempConfig('');
    const gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), SHUTDOWN_DRAIN_DELAY_MS: '2500', ...SECRETS },
    });
    const user = await createVerifiedUser(gochat.url, logMailbox(gochat));
    const { createGuild } = await gqlOk(gochat.url, CreateGuildDocument, { name: 'Drain' }, user.jwt);
    const ws = wsConnect(gochat.url, user.jwt);
    ws.subscribe(MessageCreatedDocument, { channelId: createGuild.systemChannel!.id });
    await waitForMetric(gochat.url, 'gochat_router_active_subscriptions', (v) => v === 1);

    // A request in flight when the signal arrives: its body is still on the way.
    const inFlight = slowRequest(gochat.url, JSON.stringify({ query: '{ __typename }' }));
    await new Promise((r) => setTimeout(r, 100));
    gochat.child.kill('SIGTERM');

    expect(await ws.waitForClose()).toMatchObject({ code: 1012 });
    const ready = await fetch(`${gochat.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, checks: { lifecycle: 'draining' } });
    expect((await fetch(`${gochat.url}/health`)).status).toBe(200);

    await new Promise((r) => setTimeout(r, 2_700)); // past the drain delay: teardown waits for the request
    const answered = await inFlight.finish();
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toEqual({ data: { __typename: 'Query' } });

    expect(await gochat.exited).toBe(0);
    expect(logRecords(gochat).some((r) => r.msg === 'shutdown: done' && r.clean === true)).toBe(true);
  });

  it('exits 1 when the drain cannot finish before the deadline', async () => {
    const { dir } = tempConfig('');
    const gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), SHUTDOWN_TIMEOUT_MS: '500', ...SECRETS },
    });
    const stuck = slowRequest(gochat.url, JSON.stringify({ query: '{ __typename }' }));
    stuck.response.catch(() => undefined); // the server gives up on it
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    gochat.child.kill('SIGTERM');
    expect(await gochat.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(logRecords(gochat).some((r) => r.msg === 'shutdown: done' && r.clean === false)).toBe(true);
  });
});
