import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './gochat-process.ts';
import { serversRequired } from './real-servers.ts';

/**
 * Servers that belong to one test: a nats-server, a redis-server or a PostgreSQL cluster started on a
 * free port with the options the test needs (authentication, TLS), so the test may pause it or
 * require credentials without disturbing anyone sharing the machine's servers.
 */
export interface PrivateServer {
  url: string;
  stop(): Promise<void>;
}

export interface PrivateNats extends PrivateServer {
  /** The HTTP monitoring endpoint (/connz, /subsz), when started with monitor: true. */
  monitorUrl?: string;
  /** Freezes the server: connections stay open, nothing is answered, publishes stall. */
  pause(): void;
  resume(): void;
}

/** The first candidate that runs, or null (printed, or thrown when servers are required) when none does. */
function findBinary(name: string, candidates: string[], versionArg = '--version'): string | null {
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, [versionArg], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  const reason = `${name} is not installed`;
  if (serversRequired) throw new Error(`${reason}; GOCHAT_TEST_SERVERS=required, so this fails the run.`);
  console.warn(`[skip] ${reason}: skipping the suites that need a private ${name}.`);
  return null;
}

/** The nats-server binary, or null (printed, or thrown when servers are required) when absent. */
export const natsServerBinary = () =>
  findBinary('nats-server', ['nats-server', '/usr/sbin/nats-server', '/usr/local/bin/nats-server']);

export const redisServerBinary = () =>
  findBinary('redis-server', ['redis-server', '/usr/bin/redis-server', '/usr/local/bin/redis-server']);

/** The directory holding initdb and postgres (Debian keeps them off PATH), or null as above. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const candidates = versions.map((v) => path.join(root, v, 'bin', 'initdb'));
  const initdb = findBinary('PostgreSQL (initdb)', ['initdb', ...candidates]);
  return initdb && (initdb === 'initdb' ? '' : path.dirname(initdb));
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<void>;
  signal(name: NodeJS.Signals): void;
}

/** Spawns a server and waits until its output matches `ready`. */
async function spawnUntilReady(
  command: string,
  args: string[],
  ready: RegExp,
  what: string,
  options: { cwd?: string } = {},
): Promise<Spawned> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${what} exited at start:\n${output}`));
    });
  });
  return {
    child,
    exited,
    signal: (name) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    },
  };
}

async function stopped(server: Spawned, dir: string): Promise<void> {
  server.signal('SIGCONT'); // a stopped process would not act on SIGTERM
  server.signal('SIGTERM');
  await server.exited;
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A nats-server with JetStream; `args` adds options (e.g. --user/--pass, --auth, --tls, -c file). */
export async function startPrivateNats(
  binary: string,
  options: { monitor?: boolean; args?: string[] } = {},
): Promise<PrivateNats> {
  const port = await freePort();
  const monitorPort = options.monitor ? await freePort() : undefined;
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, ...(options.args ?? [])];
  if (monitorPort) args.push('-m', String(monitorPort));
  const server = await spawnUntilReady(binary, args, /Server is ready/, 'nats-server');
  return {
    url: `nats://127.0.0.1:${port}`,
    ...(monitorPort ? { monitorUrl: `http://127.0.0.1:${monitorPort}` } : {}),
    pause: () => server.signal('SIGSTOP'),
    resume: () => server.signal('SIGCONT'),
    stop: () => stopped(server, storeDir),
  };
}

/** A redis-server without persistence; `args` adds options (--requirepass, --user, ...); tls listens with TLS only. */
export async function startPrivateRedis(
  binary: string,
  options: { args?: string[]; tls?: TestCertificates } = {},
): Promise<PrivateServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-redis-'));
  const { tls } = options;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.serverCert]
    : ['--port', String(port)];
  if (tls) listen.push('--tls-key-file', tls.serverKey, '--tls-ca-cert-file', tls.ca);
  if (tls) listen.push('--tls-auth-clients', 'optional');
  const args = ['--bind', '127.0.0.1', ...listen, '--dir', dir, '--save', '', '--appendonly', 'no'];
  const server = await spawnUntilReady(
    binary,
    [...args, ...(options.args ?? [])],
    /Ready to accept connections/,
    'redis-server',
  );
  return { url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`, stop: () => stopped(server, dir) };
}

/**
 * A PostgreSQL cluster that accepts only TLS connections from clients presenting a certificate the
 * test CA signed (user `postgres`, the client certificate's CN). Run as the postgres user when root.
 */
export async function startPrivatePostgresTls(
  binDir: string,
  certificates: TestCertificates,
): Promise<PrivateServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (file: string, args: string[]) =>
    asRoot ? { command: 'runuser', args: ['-u', 'postgres', '--', file, ...args] } : { command: file, args };
  const bin = (name: string) => (binDir ? path.join(binDir, name) : name);
  // The server's key must belong to the server's user and be private to it.
  for (const [from, to] of [
    [certificates.serverCert, 'server.crt'],
    [certificates.serverKey, 'server.key'],
    [certificates.ca, 'ca.crt'],
  ] as const)
    fs.copyFileSync(from, path.join(dir, to));
  fs.chmodSync(path.join(dir, 'server.key'), 0o600);
  if (asRoot) spawnSync('chown', ['-R', 'postgres', dir]);
  const initdb = run(bin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const init = spawnSync(initdb.command, initdb.args, { encoding: 'utf8', cwd: dir });
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);
  fs.writeFileSync(
    path.join(data, 'pg_hba.conf'),
    [
      'local all all trust',
      'hostssl all all 127.0.0.1/32 cert',
      'hostnossl all all 127.0.0.1/32 reject',
      '',
    ].join('\n'),
  );
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    ssl: 'on',
    ssl_cert_file: path.join(dir, 'server.crt'),
    ssl_key_file: path.join(dir, 'server.key'),
    ssl_ca_file: path.join(dir, 'ca.crt'),
    fsync: 'off',
  };
  const postgres = run(bin('postgres'), [
    '-D',
    data,
    ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
  ]);
  const server = await spawnUntilReady(
    postgres.command,
    postgres.args,
    /ready to accept connections/,
    'postgres',
    { cwd: dir },
  );
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: () => stopped(server, dir) };
}

/** PEM files of a throwaway CA, a server certificate for localhost/127.0.0.1, and a client certificate. */
export interface TestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  /** CN=postgres, so PostgreSQL's cert authentication maps it to that user. */
  clientCert: string;
  clientKey: string;
}

/** Writes a CA and certificates signed by it into `dir` with openssl (throws when openssl is missing). */
export function createTestCertificates(dir: string): TestCertificates {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => {
    const result = spawnSync('openssl', args, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed:\n${result.stderr}`);
  };
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...key,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=GoChat test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const sign = (name: string, cn: string, extensions: string) => {
    fs.writeFileSync(file(`${name}.ext`), extensions);
    openssl('req', ...key, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`);
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
    );
  };
  sign('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  sign('client', 'postgres', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
  };
}
