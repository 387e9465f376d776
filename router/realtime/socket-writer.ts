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
 * Writes pre-serialized frames to one socket. Unsent bytes are bounded: past the limit the socket is
 * closed with 4008 and the client resumes from its cursor, so a reader that stalls cannot make the
 * router's memory grow.
 */
export class SocketWriter {
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly onSlow: () => void,
  ) {}

  /** A text frame, already UTF-8 (encoded once per event and selection, not per socket). */
  send(frame: Buffer): boolean {
    if (this.closed) return false;
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount + frame.length > this.maxBufferedBytes) {
      this.close(REALTIME_CLOSE.slowConsumer, 'Slow consumer: reconnect and resume');
      this.onSlow();
      return false;
    }
    this.socket.send(frame, { binary: false });
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
