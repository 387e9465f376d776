import type { Writable } from 'node:stream';

import type { WebSocket } from 'ws';

/** Close codes of real-time connections; documented in docs/subscriptions.md. */
export const REALTIME_CLOSE = {
  /** The client read too slowly: reconnect and resume with the last cursor. */
  slowConsumer: 4008,
  /** The token expired (or was invalid): get a fresh JWT, reconnect, resume. */
  tokenExpired: 4401,
  /** The session was signed out or revoked: sign in again. */
  sessionRevoked: 4410,
  /** Too many live connections for this user: do not retry. */
  connectionLimit: 4429,
  /** Something the connection needs could not be checked right now: reconnect after a delay. */
  tryAgainLater: 1013,
} as const;

/**
 * Coalesces the frames of the events dispatched in one turn of the event loop: a socket that gets
 * frames during a dispatch is corked, and every corked socket is uncorked once, after the turn's
 * I/O (setImmediate). Its frames then leave in one `writev` instead of one syscall each, which is
 * most of a delivery's cost (docs/benchmarks.md, bench:fanout). An event alone in its turn waits for
 * no other: the flush follows the turn it arrived in. Under load more events share a turn, so the
 * saving grows with the rate.
 *
 * Order is kept because the frames are queued in the TCP socket's own buffer: anything else written
 * to the socket meanwhile (ws's own frames, its close frame) queues behind them, and `ws` counts
 * them in `bufferedAmount`.
 */
export class WriteBatch {
  private depth = 0;
  private corked: Writable[] = [];
  private scheduled = false;

  get active(): boolean {
    return this.depth > 0;
  }

  run(dispatch: () => void): void {
    this.depth++;
    try {
      dispatch();
    } finally {
      this.depth--;
    }
  }

  /** Corks the socket until the flush, once: a socket already corked (by this batch) waits for it. */
  cork(tcp: Writable): void {
    if (tcp.writableCorked > 0) return;
    tcp.cork();
    this.corked.push(tcp);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const corked = this.corked;
    this.corked = [];
    this.scheduled = false;
    for (const tcp of corked) tcp.uncork();
  };
}

/**
 * Writes pre-framed WebSocket messages to one socket. Unsent bytes are bounded: past the limit the
 * socket is closed with 4008 and the client resumes from its cursor, so a reader that stalls cannot
 * make the router's memory grow.
 *
 * The frames go to the TCP socket under `ws` (the one its upgrade handed over). That is safe because
 * `ws` writes each of its own frames whole and synchronously (no permessage-deflate here), and a
 * frame is written only while the socket is OPEN, so never after `ws` has sent a close frame.
 */
export class SocketWriter {
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly tcp: Writable,
    private readonly maxBufferedBytes: number,
    private readonly onSlow: () => void,
    private readonly batch?: WriteBatch,
  ) {}

  /** A whole text frame (see ws-frame.ts), built once per event and selection, not per socket. */
  send(frame: Buffer): boolean {
    if (this.closed) return false;
    if (this.socket.readyState !== this.socket.OPEN) return false;
    // Counts the frames a batch holds too: they wait in the socket's buffer.
    if (this.socket.bufferedAmount + frame.length > this.maxBufferedBytes) {
      this.close(REALTIME_CLOSE.slowConsumer, 'Slow consumer: reconnect and resume');
      this.onSlow();
      return false;
    }
    if (this.batch?.active) this.batch.cork(this.tcp);
    this.tcp.write(frame);
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
    // A reader that stopped reading never completes the close handshake: do not wait for it.
    setTimeout(() => this.socket.terminate(), 1_000).unref();
  }
}
