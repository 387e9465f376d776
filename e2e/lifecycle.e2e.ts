import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  childEnv,
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

/** Polls until `probe` answers true; no fixed sleeps, a generous deadline for a loaded machine. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const draining = (url: string) => () => fetch(`${url}/ready`).then((r) => r.status === 503);

/** How the child ended: its exit code, or the signal that killed it. */
async function endOf(child: ChildProcess): Promise<number | string> {
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  await until('the process to end', () => Promise.resolve(ended()));
  return child.exitCode ?? child.signalCode!;
}

// A drain far longer than any wait below: only the second signal can end the process in time.
const SLOW_DRAIN = { SHUTDOWN_DRAIN_DELAY_MS: '600000', SHUTDOWN_TIMEOUT_MS: '900000' };

describe('lifecycle: a second signal', () => {
  it('ends a slow drain at once, with a non-zero status', async () => {
    const { dir } = tempConfig('');
    const gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), ...SLOW_DRAIN, ...SECRETS },
    });
    try {
      gochat.child.kill('SIGTERM');
      await until('the drain to start', draining(gochat.url));
      await gochat.waitForLine(/a second SIGTERM or SIGINT ends the process at once/);
      gochat.child.kill('SIGTERM');
      // Killed by the signal's default action: a shell or an orchestrator sees status 143.
      expect(await endOf(gochat.child)).toBe('SIGTERM');
    } finally {
      await gochat.stop('SIGKILL');
    }
  });

  it('ends the process even when its stdout is a full pipe that nobody reads', async () => {
    // A FIFO as the child's stdout: this test holds the read end open and never reads it, and fills
    // it up (through a writer of its own) once the role is listening, so every log write blocks.
    const { dir } = tempConfig('');
    const fifo = path.join(dir, 'stdout.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const filler = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    const stdout = fs.openSync(fifo, fs.constants.O_WRONLY);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('../bin/gochat.js', import.meta.url)), 'start'],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: childEnv({ LOG_LEVEL: 'info', DATA_DIR: dir, PORT: String(port), ...SLOW_DRAIN, ...SECRETS }),
        stdio: ['ignore', stdout, 'ignore'],
      },
    );
    fs.closeSync(stdout);
    const exited = new Promise<number | string>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
    );
    try {
      await until('the role to listen', () => fetch(`${url}/health`).then((r) => r.ok), 90_000);
      const chunk = Buffer.alloc(65_536, 'x');
      let filled = 0;
      for (;;) {
        try {
          filled += fs.writeSync(filler, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
          throw error;
        }
      }
      expect(filled).toBeGreaterThan(0);

      child.kill('SIGTERM');
      await until('the drain to start', draining(url));
      child.kill('SIGTERM');
      expect(await endOf(child)).toBe('SIGTERM');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      fs.closeSync(filler);
      fs.closeSync(reader);
    }
  });
});
