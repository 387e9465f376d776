import * as dns from 'node:dns';
import * as http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { isIP } from 'node:net';

export interface LoopbackServer {
  port: number;
  /** http://127.0.0.1:<port><path> */
  url(path?: string): string;
  /** Every request received, in order. */
  requests: { url: string; headers: http.IncomingHttpHeaders }[];
  /** Settles when a response is cut off: its connection closed before the server finished it. */
  cutOff: Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and an ephemeral port, for the fetcher to be pointed at. */
export async function startLoopbackServer(handler: http.RequestListener): Promise<LoopbackServer> {
  const requests: LoopbackServer['requests'] = [];
  let markCutOff = () => {};
  const cutOff = new Promise<void>((resolve) => (markCutOff = resolve));
  const server = http.createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    response.on('close', () => {
      if (!response.writableFinished) markCutOff();
    });
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    requests,
    cutOff,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `chunk` for as long as the client reads, until the connection closes. */
export function streamForever(response: http.ServerResponse, chunk: Buffer) {
  const write = () => {
    while (!response.destroyed && response.write(chunk));
  };
  response.on('drain', write);
  write();
}

/**
 * A DNS lookup (as dns.lookup) answering from `table`; other names go to the real resolver. Answers
 * come asynchronously, as real ones do.
 */
export function fakeDns(table: Record<string, string[]>): LookupFunction {
  return (hostname, options, callback) => {
    const answers = table[hostname];
    if (answers === undefined) return (dns.lookup as LookupFunction)(hostname, options, callback);
    const entries = answers.map((address) => ({ address, family: isIP(address) }));
    setImmediate(() => {
      if (options.all) callback(null, entries);
      else callback(null, entries[0]?.address ?? '', entries[0]?.family);
    });
  };
}
