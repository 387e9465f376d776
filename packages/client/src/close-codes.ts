/** WebSocket close codes of the GoChat router, and what the client does on each. */
export const CLOSE_CODES = {
  /** Token expired or invalid: call token() again and reconnect. */
  tokenExpired: 4401,
  /** Refused by the server's connection policy: do not reconnect. */
  refused: 4403,
  /** Sent by this client when a ping got no pong in time; then reconnect. */
  pongTimeout: 4408,
  /** The session was revoked (signed out elsewhere, account disabled): do not reconnect. */
  sessionRevoked: 4410,
  /** Too many connections for this user: do not reconnect. */
  connectionLimit: 4429,
  /** The socket fell too far behind: reconnect and resume. */
  slowConsumer: 4008,
  /** The router is restarting: reconnect (to any router) and resume. */
  serviceRestart: 1012,
  /** Something the connection needs could not be checked right now: reconnect after a delay. */
  tryAgainLater: 1013,
} as const;

export type SessionEndReason = 'revoked' | 'connection-limit' | 'refused';

const SESSION_ENDS = new Map<number, SessionEndReason>([
  [CLOSE_CODES.sessionRevoked, 'revoked'],
  [CLOSE_CODES.connectionLimit, 'connection-limit'],
  [CLOSE_CODES.refused, 'refused'],
]);

export function sessionEndReasonOf(code: number): SessionEndReason | undefined {
  return SESSION_ENDS.get(code);
}

/**
 * graphql-ws 6 treats 4401 as fatal before it consults shouldRetry (client.js,
 * shouldRetryConnectOrThrow), so the socket class it gets reports 4401 under this private code,
 * which shouldRetry accepts like any other. `originalCode` keeps the real one for callbacks and errors.
 */
const RELABELLED_TOKEN_EXPIRY = 4991;

export interface CloseInfo {
  code: number;
  reason: string;
}

/** The close code and reason of a close event (the real code, before any relabelling), else undefined. */
export function closeCodeOf(value: unknown): CloseInfo | undefined {
  if (typeof value !== 'object' || value === null || !('code' in value) || !('reason' in value)) return;
  const { code, reason } = value;
  if (typeof code !== 'number') return;
  const original = (value as { originalCode?: unknown }).originalCode;
  return { code: typeof original === 'number' ? original : code, reason: String(reason) };
}

/** graphql-ws shouldRetry: everything but the session-ending closes (network errors included). */
export function shouldReconnect(errorOrClose: unknown): boolean {
  const close = closeCodeOf(errorOrClose);
  return !close || !SESSION_ENDS.has(close.code);
}

function relabelTokenExpiry(event: unknown): unknown {
  const close = closeCodeOf(event);
  if (close?.code !== CLOSE_CODES.tokenExpired) return event;
  const wasClean = (event as { wasClean?: unknown }).wasClean;
  return { ...close, code: RELABELLED_TOKEN_EXPIRY, originalCode: close.code, wasClean, type: 'close' };
}

/**
 * A subclass of the WebSocket implementation whose `onclose` handlers (the only close listener
 * graphql-ws uses) see a 4401 close relabelled as retryable. Works for `ws` and browser WebSockets,
 * which both define `onclose` as an accessor on the prototype.
 */
export function withRetryableTokenExpiry(impl: unknown): unknown {
  const Base = impl as new (...args: unknown[]) => object;
  class GoChatWebSocket extends Base {}
  const handlers = new WeakMap<object, unknown>();
  Object.defineProperty(GoChatWebSocket.prototype, 'onclose', {
    configurable: true,
    enumerable: true,
    get(this: object) {
      return handlers.get(this) ?? null;
    },
    set(this: object, handler: unknown) {
      if (typeof handler !== 'function') {
        handlers.delete(this);
        Reflect.set(Base.prototype, 'onclose', null, this);
        return;
      }
      handlers.set(this, handler);
      const relabelled = (event: unknown): unknown =>
        (handler as (event: unknown) => unknown).call(this, relabelTokenExpiry(event));
      Reflect.set(Base.prototype, 'onclose', relabelled, this);
    },
  });
  return GoChatWebSocket;
}
