interface ClosableSocket {
  readonly readyState: number;
  close(code?: number, reason?: string): void;
}

/**
 * The graphql-ws keep-alive recipe: graphql-ws sends a ping every keepAlive ms (after the previous
 * pong) but does nothing if no pong comes back. This arms a timer on each ping we send and calls
 * onTimeout with that socket if its pong is late (a half-open TCP connection stays OPEN for minutes).
 */
export function createPongWatchdog(pongTimeoutMs: number, onTimeout: (socket: ClosableSocket) => void) {
  let socket: ClosableSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const disarm = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return {
    connected(connectedSocket: unknown) {
      disarm();
      socket = connectedSocket as ClosableSocket;
    },
    ping(received: boolean) {
      if (received || !socket) return;
      const pinged = socket;
      disarm();
      timer = setTimeout(() => {
        timer = undefined;
        if (socket === pinged) onTimeout(pinged);
      }, pongTimeoutMs);
    },
    pong(received: boolean) {
      if (received) disarm();
    },
    closed() {
      disarm();
      socket = undefined;
    },
  };
}
