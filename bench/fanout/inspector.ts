/**
 * Full garbage collection in a server process before its RSS is read, through the V8 inspector the
 * process was started with (--inspect=127.0.0.1:0): without it, RSS mostly shows when V8 last
 * collected, not what connections hold.
 */
import WebSocket from 'ws';

/** The inspector URL a process printed on stderr ("Debugger listening on ws://..."). */
export function inspectorUrl(lines: readonly string[]): string {
  for (const line of lines) {
    const match = /Debugger listening on (ws:\/\/\S+)/.exec(line);
    if (match) return match[1]!;
  }
  throw new Error('the process has no inspector (start it with --inspect=127.0.0.1:0)');
}

/** Collects garbage (twice: weak references and finalizers free more) and returns the used JS heap in KB. */
export async function collectGarbage(url: string): Promise<number> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let id = 0;
  const call = (method: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        const reply = JSON.parse(data.toString()) as {
          id?: number;
          result?: Record<string, unknown>;
          error?: { message: string };
        };
        if (reply.id !== mine) return;
        socket.off('message', onMessage);
        if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve(reply.result ?? {});
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await new Promise((r) => setTimeout(r, 200));
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return Math.round(Number(usage.usedSize) / 1024);
  } finally {
    socket.close();
  }
}
