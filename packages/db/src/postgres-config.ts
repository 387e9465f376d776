import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

export interface PostgresTls {
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  rejectUnauthorized?: boolean | undefined;
}

const SSL_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat'];

/**
 * node-postgres connection options for a URL and TLS settings, with libpq's meaning of sslmode:
 * disable (no TLS); allow, prefer or require (TLS: node-postgres cannot fall back to plaintext, and the
 * certificate is checked only when a CA is given); verify-ca (the chain); verify-full (the chain and the
 * host name). TLS settings without an sslmode mean verify-full. The URL's ssl* parameters are taken out,
 * or node-postgres would replace these options with its own reading of them.
 */
export function postgresPoolConfig(
  url: string,
  tls?: PostgresTls,
): { connectionString: string; ssl: false | ConnectionOptions } {
  const parsed = new URL(url);
  const params = parsed.searchParams;
  const mode = params.get('sslmode') ?? (tls ? 'verify-full' : 'disable');
  const fromUrl = (name: string) => {
    const file = params.get(name);
    return file ? fs.readFileSync(file) : undefined;
  };
  const ca = tls?.ca ?? fromUrl('sslrootcert');
  const cert = tls?.cert ?? fromUrl('sslcert');
  const key = tls?.key ?? fromUrl('sslkey');
  const hasSslParams = SSL_PARAMS.some((name) => params.has(name));
  for (const name of SSL_PARAMS) params.delete(name);
  const connectionString = hasSslParams ? parsed.toString() : url;
  if (mode === 'disable') return { connectionString, ssl: false };
  if (mode === 'verify-ca' && !ca)
    throw new Error('database: sslmode=verify-ca needs a CA (database.tls.caFile)');
  const ssl: ConnectionOptions = {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: mode === 'verify-full' || ca !== undefined,
    // Any mode short of verify-full checks the chain (when it can) but not the host name.
    ...(mode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
  if (tls?.rejectUnauthorized !== undefined) ssl.rejectUnauthorized = tls.rejectUnauthorized;
  return { connectionString, ssl };
}
