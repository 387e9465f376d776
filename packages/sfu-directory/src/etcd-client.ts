import { Etcd3 } from 'etcd3';

export interface EtcdConnection {
  /** host:port or URLs (http:// or https://). */
  hosts: readonly string[];
  username?: string;
  password?: string;
  /** PEM contents for TLS (https:// hosts). */
  tls?: { ca?: string; cert?: string; key?: string };
  /** Per-call deadline: a dead cluster fails calls instead of hanging them. */
  callTimeoutMs?: number;
}

/** An etcd client; the one place the package's users get one, so etcd3 stays behind this package. */
export function openEtcd(connection: EtcdConnection): Etcd3 {
  const hosts = connection.hosts.map((h) =>
    /^https?:\/\//.test(h) ? h : `${connection.tls ? 'https' : 'http'}://${h}`,
  );
  const { tls } = connection;
  const timeout = connection.callTimeoutMs ?? 5_000;
  return new Etcd3({
    hosts,
    auth:
      connection.username && connection.password
        ? { username: connection.username, password: connection.password }
        : undefined,
    credentials: tls?.ca
      ? {
          rootCertificate: Buffer.from(tls.ca),
          certChain: tls.cert ? Buffer.from(tls.cert) : undefined,
          privateKey: tls.key ? Buffer.from(tls.key) : undefined,
        }
      : undefined,
    // Streams (watches, keep-alives) run for as long as they are open; unary calls get a deadline.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
  });
}
