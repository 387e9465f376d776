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
 * Holds the frames of one synchronous dispatch and writes them after it, in one tight loop: the
 * per-subscriber checks of an event run first, then its writes follow each other as in a bare
 * broadcast. Each socket's frames keep their order. Outside `run`, frames are written at once.
 */
export class WriteBatch {
  private depth = 0;
  private readonly writers: SocketWriter[] = [];
  private readonly frames: Buffer[] = [];

  get active(): boolean {
    return this.depth > 0;
  }

  run(dispatch: () => void): void {
    this.depth++;
    try {
      dispatch();
    } finally {
      if (--this.depth === 0) this.flush();
    }
  }

  hold(writer: SocketWriter, frame: Buffer): void {
    this.writers.push(writer);
    this.frames.push(frame);
  }

  private flush(): void {
    const { writers, frames } = this;
    for (let i = 0; i < writers.length; i++) writers[i]!.flushed(frames[i]!);
    writers.length = 0;
    frames.length = 0;
  }
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
  /** Bytes held by a batch for this socket, not yet handed to it. */
  private held = 0;

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
    if (this.socket.bufferedAmount + this.held + frame.length > this.maxBufferedBytes) {
      this.close(REALTIME_CLOSE.slowConsumer, 'Slow consumer: reconnect and resume');
      this.onSlow();
      return false;
    }
    if (this.batch?.active) {
      this.held += frame.length;
      this.batch.hold(this, frame);
    } else this.tcp.write(frame);
    return true;
  }

  /** A held frame's turn: written unless the socket closed since it was accepted. */
  flushed(frame: Buffer): void {
    this.held -= frame.length;
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.tcp.write(frame);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
    // A reader that stopped reading never completes the close handshake: do not wait for it.
    setTimeout(() => this.socket.terminate(), 1_000).unref();
  }
}
