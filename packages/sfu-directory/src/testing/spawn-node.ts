import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

export interface NodeProcess {
  /** The lease the node registered on. */
  leaseId: string;
  /** Kills it as a crash does: SIGKILL, no revoke, no goodbye. */
  kill(): void;
  child: ChildProcess;
}

/**
 * An SFU node's etcd registration alone, in a process of its own (node-process.ts), for tests that
 * kill it with SIGKILL. Resolves once its key is written.
 */
export async function spawnNodeProcess(options: {
  etcdUrl: string;
  prefix: string;
  id: string;
  region: string;
  ttlSeconds: number;
}): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'node-process.ts'),
      options.etcdUrl,
      options.prefix,
      options.id,
      options.region,
      String(options.ttlSeconds),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const match = /^registered (\d+)/.exec(line.toString());
  if (!match) {
    child.kill('SIGKILL');
    throw new Error(`the node process did not register: ${line.toString()}`);
  }
  return { leaseId: match[1]!, kill: () => child.kill('SIGKILL'), child };
}
