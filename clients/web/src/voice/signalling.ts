/**
 * The SFU's signalling socket (docs/voice.md, "Signalling"): JSON requests `{id, method, data}`
 * answered by `{id, ok, data | error}`, and notifications `{notification, data}` pushed by the node.
 * Each request times out on its own; closing the socket (either side) fails whatever is still waiting.
 */

/** Why a voice connection could not go on, with a code the UI turns into words (describeVoiceError). */
export class VoiceError extends Error {
  constructor(
    /** UNREACHABLE, TIMEOUT, CLOSED, UNSUPPORTED, or the SFU's own error code (FORBIDDEN, LIMIT, …). */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'VoiceError';
  }
}

export interface SignallingOptions {
  /** How long the socket may take to open. */
  openTimeoutMs?: number;
  /** How long one request may wait for its answer. */
  requestTimeoutMs?: number;
  /** Makes the socket (tests pass a fake); the browser's WebSocket otherwise. */
  createSocket?: (url: string) => WebSocket;
}

interface Pending {
  method: string;
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Request ids run from 1 to 2^31-1, then start again. */
const MAX_REQUEST_ID = 2 ** 31 - 1;

type Frame =
  | { id: number; ok: true; data?: unknown }
  | { id: number; ok: false; error?: { code?: string; message?: string } }
  | { notification: string; data?: unknown };

export class SignallingSocket {
  /** Called for each notification, known or not (the caller ignores names it does not know). */
  onNotification: (name: string, data: Record<string, unknown>) => void = () => {};
  /** Called once when the node or the network closed the socket (not after close()). */
  onClose: (code: number, reason: string) => void = () => {};

  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedByUs = false;
  private closed = false;

  private constructor(
    private readonly socket: WebSocket,
    private readonly requestTimeoutMs: number,
  ) {
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => {
      this.closed = true;
      this.failPending(new VoiceError('CLOSED', 'The voice server closed the connection.'));
      if (!this.closedByUs) this.onClose(event.code, event.reason);
    };
  }

  /** Opens the socket; rejects with UNREACHABLE when it cannot (refused, DNS, TLS, too slow). */
  static open(url: string, options: SignallingOptions = {}): Promise<SignallingSocket> {
    const { openTimeoutMs = 10_000, requestTimeoutMs = 10_000 } = options;
    return new Promise((resolve, reject) => {
      let socket: WebSocket;
      try {
        socket = options.createSocket ? options.createSocket(url) : new WebSocket(url);
      } catch {
        reject(new VoiceError('UNREACHABLE', 'The voice server address is not valid.'));
        return;
      }
      const fail = (message: string) => {
        clearTimeout(timer);
        socket.onopen = socket.onerror = socket.onclose = null;
        try {
          socket.close();
        } catch {
          // Closing a socket that never opened can throw in some browsers; it is gone either way.
        }
        reject(new VoiceError('UNREACHABLE', message));
      };
      const timer = setTimeout(() => fail('The voice server did not answer in time.'), openTimeoutMs);
      socket.onerror = () => fail('Could not reach the voice server.');
      socket.onclose = () => fail('Could not reach the voice server.');
      socket.onopen = () => {
        clearTimeout(timer);
        socket.onopen = socket.onerror = null;
        resolve(new SignallingSocket(socket, requestTimeoutMs));
      };
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends a request; resolves with the answer's data, rejects with a VoiceError. */
  request<T = Record<string, unknown>>(method: string, data: object = {}): Promise<T> {
    if (this.closed) return Promise.reject(new VoiceError('CLOSED', 'The voice connection is closed.'));
    const id = this.nextId;
    this.nextId = id >= MAX_REQUEST_ID ? 1 : id + 1;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new VoiceError('TIMEOUT', `The voice server did not answer (${method}).`));
      }, this.requestTimeoutMs);
      this.pending.set(id, { method, resolve: resolve as (data: unknown) => void, reject, timer });
      try {
        this.socket.send(JSON.stringify({ id, method, data }));
      } catch {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new VoiceError('CLOSED', 'The voice connection is closed.'));
      }
    });
  }

  /** Closes the socket from this side: pending requests fail, onClose is not called. */
  close(code = 1000, reason = 'leaving'): void {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.failPending(new VoiceError('CLOSED', 'The voice connection is closed.'));
    try {
      this.socket.close(code, reason);
    } catch {
      // Already closing.
    }
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let frame: Frame;
    try {
      frame = JSON.parse(raw) as Frame;
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    if ('notification' in frame && typeof frame.notification === 'string') {
      const data = typeof frame.data === 'object' && frame.data !== null ? frame.data : {};
      this.onNotification(frame.notification, data as Record<string, unknown>);
      return;
    }
    if (!('id' in frame) || typeof frame.id !== 'number') return;
    const pending = this.pending.get(frame.id);
    // id 0 answers a frame the node could not read at all; other unknown ids timed out already.
    if (!pending) return;
    this.pending.delete(frame.id);
    clearTimeout(pending.timer);
    if (frame.ok) pending.resolve(frame.data ?? {});
    else
      pending.reject(
        new VoiceError(
          frame.error?.code ?? 'INTERNAL',
          frame.error?.message ?? `The voice server refused ${pending.method}.`,
        ),
      );
  }

  private failPending(error: VoiceError): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}
