import type { Logger } from '@gochat/log';
import { silentLogger } from '@gochat/log';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBlobHttpHandler, type BlobHttpHandler } from '../http-handler.ts';
import type { BlobStore } from '../port.ts';

/** Status for requests the handler declined (not under /media/), so tests can tell them apart. */
export const NOT_HANDLED = 418;

export interface MediaServer {
  /** http://127.0.0.1:<port>, known before the store exists (the disk store's URLs need it). */
  origin: string;
  use(store: BlobStore, log?: Logger): void;
  close(): Promise<void>;
}

/** The router's part in miniature: a node:http server on an ephemeral loopback port. */
export async function startMediaServer(): Promise<MediaServer> {
  let handler: BlobHttpHandler | undefined;
  const server = createServer((req, res) => {
    const declined = () => {
      res.writeHead(NOT_HANDLED);
      res.end();
    };
    if (!handler) return declined();
    void handler(req, res).then((handled) => handled || declined());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    use(store, log = silentLogger) {
      handler = createBlobHttpHandler(store, { log });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
