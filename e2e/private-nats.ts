import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort, serversRequired } from '@gochat/testkit';

/**
 * A nats-server with JetStream that belongs to one test, so the test may pause it (SIGSTOP) and
 * resume it (SIGCONT) without disturbing anyone sharing the machine's NATS.
 */
export interface PrivateNats {
  url: string;
  /** The HTTP monitoring endpoint (/connz, /subsz), when started with monitor: true. */
  monitorUrl?: string;
  /** Freezes the server: connections stay open, nothing is answered, publishes stall. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** The nats-server binary, or null (printed, or thrown when servers are required) when absent. */
export function natsServerBinary(): string | null {
  for (const candidate of ['nats-server', '/usr/sbin/nats-server', '/usr/local/bin/nats-server']) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  const reason = 'the nats-server binary is not installed';
  if (serversRequired) throw new Error(`${reason}; GOCHAT_TEST_SERVERS=required, so this fails the run.`);
  console.warn(`[skip] ${reason}: skipping the suites that need a private NATS server.`);
  return null;
}

export async function startPrivateNats(
  binary: string,
  options: { monitor?: boolean } = {},
): Promise<PrivateNats> {
  const port = await freePort();
  const monitorPort = options.monitor ? await freePort() : undefined;
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
  if (monitorPort) args.push('-m', String(monitorPort));
  const child: ChildProcess = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited at start:\n${output}`));
    });
  });
  const signal = (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    ...(monitorPort ? { monitorUrl: `http://127.0.0.1:${monitorPort}` } : {}),
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    stop: async () => {
      signal('SIGCONT'); // a stopped process would not act on SIGTERM
      signal('SIGTERM');
      await exited;
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
