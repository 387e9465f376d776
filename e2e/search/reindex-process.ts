import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { childEnv } from '@gochat/testkit';

const BIN = fileURLToPath(new URL('../../bin/gochat.js', import.meta.url));

/** `gochat reindex ...` as a child process: its output, and its exit (code, or the signal that ended it). */
export function runReindex(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'reindex', ...args], { env: childEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    exited,
    output: () => ({ stdout, stderr }),
    kill: () => child.kill('SIGKILL'),
  };
}
