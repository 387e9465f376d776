import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/gochat.js', import.meta.url));

export interface GochatProcess {
  /** http://host:port the role listens on. */
  url: string;
  role: string;
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  lines: string[];
  /** The stdout lines alone (the JSON log). */
  stdout: string[];
  /** Resolves with the exit code (or the signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Waits for a line matching the pattern (already printed or future). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartOptions {
  /** A role name for microservice mode; omitted runs the monolith. */
  role?: string;
  /** Several roles in one process (instead of role). */
  roles?: string[];
  env?: Record<string, string>;
  /** Node's own flags, before the script (as `npm start` passes them). */
  nodeArgs?: string[];
  /** How long startup may take (PGlite's first start compiles WASM). */
  timeoutMs?: number;
}

/** A free loopback port, for roles that must know each other's addresses before they start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The environment of a child gochat process: only what it is given, plus what finds binaries. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra };
}

/** Starts `gochat start [role]` as a real child process and waits until it listens. */
export async function startGochat(options: StartOptions = {}): Promise<GochatProcess> {
  const args = [
    ...(options.nodeArgs ?? []),
    BIN,
    'start',
    ...(options.roles ?? (options.role ? [options.role] : [])),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: childEnv({ LOG_LEVEL: 'info', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stdout: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onData = (buffer: { partial: string }, stream?: string[]) => (chunk: Buffer) => {
    const text = buffer.partial + chunk.toString('utf8');
    const parts = text.split('\n');
    buffer.partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      stream?.push(line);
      for (const waiter of waiters)
        if (waiter.pattern.test(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
    }
  };
  child.stdout.on('data', onData({ partial: '' }, stdout));
  child.stderr.on('data', onData({ partial: '' }));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );

  const waitForLine = (pattern: RegExp, timeoutMs = 15_000) => {
    const seen = lines.find((l) => pattern.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const waiter = { pattern, resolve };
      waiters.add(waiter);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `no line matching ${pattern} within ${timeoutMs}ms. Output:\n${lines.slice(-40).join('\n')}`,
          ),
        );
      }, timeoutMs);
      void exited.then(() => {
        if (!waiters.has(waiter)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        reject(
          new Error(
            `process exited before a line matched ${pattern}. Output:\n${lines.slice(-40).join('\n')}`,
          ),
        );
      });
      const originalResolve = waiter.resolve;
      waiter.resolve = (line) => {
        clearTimeout(timer);
        originalResolve(line);
      };
    });
  };

  const listening = await waitForLine(/": listening"|"msg":"[^"]*: listening"/, options.timeoutMs ?? 60_000);
  const url = (JSON.parse(listening) as { url: string }).url;
  return {
    url,
    role: options.roles?.join('+') ?? options.role ?? 'monolith',
    child,
    lines,
    stdout,
    exited,
    waitForLine,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      // An unclean drain fails the suite; the reason is in the process's own log, so it is shown. (A
      // signal name instead of a status: the process was killed, by the test, with nothing to drain.)
      if (typeof code === 'number' && code !== 0)
        console.error(
          `[gochat ${options.roles?.join('+') ?? options.role ?? 'monolith'}] exited ${code} on ${signal}; ` +
            `its last warnings and errors:\n${warningsOf(lines).slice(-20).join('\n')}`,
        );
      return code;
    },
  };
}

/** The process's log lines at warn level or above (pino: 40), as written. */
function warningsOf(lines: readonly string[]): string[] {
  return lines.filter((line) => /"level":(4|5|6)\d/.test(line));
}

/** Parsed JSON log lines of a process (non-JSON lines are skipped). */
export function logRecords(proc: Pick<GochatProcess, 'lines'>): Array<Record<string, unknown>> {
  return proc.lines.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
