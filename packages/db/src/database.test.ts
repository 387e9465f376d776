import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { postgresPoolConfig } from './database.ts';

const BASE = 'postgres://gochat:pw@db.example.com:5432/gochat';

describe('postgresPoolConfig: the URL and TLS settings as node-postgres options', () => {
  it('uses no TLS without an sslmode or TLS settings, and leaves the URL alone', () => {
    expect(postgresPoolConfig(BASE)).toEqual({ connectionString: BASE, ssl: false });
    expect(postgresPoolConfig(`${BASE}?sslmode=disable`)).toEqual({ connectionString: BASE, ssl: false });
  });

  it('require encrypts without verifying, unless a CA is given (then it checks the chain, not the name)', () => {
    const plain = postgresPoolConfig(`${BASE}?sslmode=require`).ssl;
    expect(plain).toMatchObject({ rejectUnauthorized: false });
    const withCa = postgresPoolConfig(`${BASE}?sslmode=require`, { ca: 'CA' }).ssl;
    expect(withCa).toMatchObject({ ca: 'CA', rejectUnauthorized: true });
    expect(withCa && withCa.checkServerIdentity?.('db.example.com', {} as never)).toBeUndefined();
    // node-postgres cannot fall back to plaintext: prefer and allow encrypt like require.
    expect(postgresPoolConfig(`${BASE}?sslmode=prefer`).ssl).toMatchObject({ rejectUnauthorized: false });
  });

  it('verify-ca needs a CA and checks the chain only; verify-full also checks the host name', () => {
    expect(() => postgresPoolConfig(`${BASE}?sslmode=verify-ca`)).toThrow(/needs a CA/);
    const ca = postgresPoolConfig(`${BASE}?sslmode=verify-ca`, { ca: 'CA' }).ssl;
    expect(ca).toMatchObject({ ca: 'CA', rejectUnauthorized: true });
    expect(ca && typeof ca.checkServerIdentity).toBe('function');
    const full = postgresPoolConfig(`${BASE}?sslmode=verify-full`, { ca: 'CA', cert: 'C', key: 'K' }).ssl;
    expect(full).toEqual({ ca: 'CA', cert: 'C', key: 'K', rejectUnauthorized: true });
  });

  it('TLS settings without an sslmode mean verify-full; rejectUnauthorized: false is honoured', () => {
    expect(postgresPoolConfig(BASE, { ca: 'CA' }).ssl).toEqual({ ca: 'CA', rejectUnauthorized: true });
    expect(postgresPoolConfig(BASE, { rejectUnauthorized: false }).ssl).toEqual({
      rejectUnauthorized: false,
    });
  });

  it('reads sslrootcert, sslcert and sslkey and takes every ssl parameter out of the URL', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gochat-pgssl-'));
    try {
      for (const name of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, name), name);
      const params = new URLSearchParams({
        application_name: 'gochat',
        sslmode: 'verify-full',
        sslrootcert: path.join(dir, 'ca.pem'),
        sslcert: path.join(dir, 'cert.pem'),
        sslkey: path.join(dir, 'key.pem'),
      });
      const config = postgresPoolConfig(`${BASE}?${params}`);
      // Left in, node-postgres would read them itself and replace the ssl options built here.
      expect(config.connectionString).toBe(`${BASE}?application_name=gochat`);
      expect(config.ssl).toMatchObject({ rejectUnauthorized: true });
      const ssl = config.ssl as { ca: Buffer; cert: Buffer; key: Buffer };
      expect([ssl.ca, ssl.cert, ssl.key].map(String)).toEqual(['ca.pem', 'cert.pem', 'key.pem']);
      // Settings from the config win over the URL's files.
      expect(postgresPoolConfig(`${BASE}?${params}`, { ca: 'CONFIG' }).ssl).toMatchObject({ ca: 'CONFIG' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
