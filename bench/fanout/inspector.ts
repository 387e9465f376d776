/**
 * The V8 inspector of a server process (started with --inspect=127.0.0.1:0): a full GC before its
 * RSS is read (without one, RSS mostly shows when V8 last collected, not what connections hold), and
 * on request a CPU profile of the load steps.
 */
import WebSocket from 'ws';

/** Node flags of the process holding the sockets. */
export const SOCKET_PROCESS_FLAGS = ['--inspect=127.0.0.1:0'];

/** The inspector URL a process printed on stderr ("Debugger listening on ws://..."). */
export function inspectorUrl(lines: readonly string[]): string {
  for (const line of lines) {
    const match = /Debugger listening on (ws:\/\/\S+)/.exec(line);
    if (match) return match[1]!;
  }
  throw new Error('the process has no inspector (start it with --inspect=127.0.0.1:0)');
}

/** One Chrome DevTools Protocol session. */
export class InspectorSession {
  private id = 0;

  private constructor(private readonly socket: WebSocket) {}

  static async open(url: string): Promise<InspectorSession> {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new InspectorSession(socket);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const mine = ++this.id;
    return new Promise((resolve, reject) => {
      const onMessage = (data: Buffer) => {
        const reply = JSON.parse(data.toString()) as {
          id?: number;
          result?: Record<string, unknown>;
          error?: { message: string };
        };
        if (reply.id !== mine) return;
        this.socket.off('message', onMessage);
        if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve(reply.result ?? {});
      };
      this.socket.on('message', onMessage);
      this.socket.send(JSON.stringify({ id: mine, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** Collects garbage (twice: weak references and finalizers free more) and returns the used JS heap in KB. */
export async function collectGarbage(url: string): Promise<number> {
  const session = await InspectorSession.open(url);
  try {
    await session.call('HeapProfiler.collectGarbage');
    await new Promise((r) => setTimeout(r, 200));
    await session.call('HeapProfiler.collectGarbage');
    const usage = await session.call('Runtime.getHeapUsage');
    return Math.round(Number(usage.usedSize) / 1024);
  } finally {
    session.close();
  }
}

/** Starts the CPU profiler; the returned function stops it and gives the profile (a .cpuprofile). */
export async function startCpuProfile(url: string): Promise<() => Promise<unknown>> {
  const session = await InspectorSession.open(url);
  await session.call('Profiler.enable');
  await session.call('Profiler.start');
  return async () => {
    try {
      return (await session.call('Profiler.stop')).profile;
    } finally {
      session.close();
    }
  };
}
