import { print, type DocumentNode } from 'graphql';
import WebSocket from 'ws';

/** One `next` frame as read off the wire. */
export interface RawNext {
  id: string;
  payload: {
    data?: Record<string, { cursor?: string | null; type: string; data: Record<string, unknown> }>;
    errors?: unknown[];
  };
}

/**
 * A bare graphql-transport-ws socket with no client library in between: the tests control exactly
 * when it reads (pause/resume the TCP socket) and see every frame and the close code.
 */
export class RawFeedSocket {
  readonly frames: RawNext[] = [];
  closeCode: number | undefined;
  private readonly socket: WebSocket;
  private readonly opened: Promise<void>;

  constructor(url: string, jwt: string) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      // Refused before connection_ack (e.g. 4429): fail now rather than wait forever.
      this.socket.once('close', (code) => reject(new Error(`closed with ${code} before connection_ack`)));
      this.socket.on('message', (raw: Buffer) => {
        const message = JSON.parse(raw.toString('utf8')) as { type: string } & RawNext;
        if (message.type === 'connection_ack') resolve();
        else if (message.type === 'next') this.frames.push(message);
        else if (message.type === 'ping') this.socket.send('{"type":"pong"}');
      });
      this.socket.once('open', () =>
        this.socket.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${jwt}` } }),
        ),
      );
    });
    this.socket.once('close', (code) => (this.closeCode = code));
  }

  /** Resolves once the router acknowledged the connection. */
  connected(): Promise<void> {
    return this.opened;
  }

  async subscribe(id: string, document: DocumentNode, variables: Record<string, unknown>): Promise<void> {
    await this.opened;
    this.socket.send(
      JSON.stringify({ id, type: 'subscribe', payload: { query: print(document), variables } }),
    );
  }

  /** Stops reading from TCP: the server's writes pile up in kernel buffers, then in its own. */
  pauseReading(): void {
    (this.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resumeReading(): void {
    (this.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  closed(timeoutMs = 30_000): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.socket.once('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  terminate(): void {
    this.socket.terminate();
  }
}
